import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Every signature this proxy writes starts so; Anthropic's own signatures never do. */
const signaturePrefix = 'optiproxy.v1.'

export interface ThinkingSigner {
  /** The signature of a thinking block this proxy wrote (an approach's intermediate work). */
  sign(thinking: string): string
  /**
   * `ours`: a block this proxy signed (with this secret); `stale`: one in this proxy's format that this secret did not
   * sign (another instance's secret, or one from before a restart); `foreign`: anything else (a model's real thinking).
   */
  classify(thinking: string, signature: string): 'ours' | 'stale' | 'foreign'
}

/**
 * Signs the thinking blocks the proxy makes out of an approach's intermediate work (HMAC-SHA256 over the text) so
 * that, when a client sends them back in a later turn, the proxy recognises them and drops them before any upstream
 * sees them. Without a configured secret a random per-process one is used: several instances (or a restart) then
 * see each other's blocks as `stale`, which are dropped too (no upstream could verify them), but logged.
 * @example const signer = createThinkingSigner(config.thinkingSignatureSecret); signer.classify(text, signer.sign(text)) // 'ours'
 */
export function createThinkingSigner(secret?: string): ThinkingSigner {
  const key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8')
  const mac = (thinking: string): Buffer => createHmac('sha256', key).update(thinking, 'utf8').digest()
  return {
    sign: (thinking) => signaturePrefix + mac(thinking).toString('base64url'),
    classify(thinking, signature) {
      if (!signature.startsWith(signaturePrefix)) return 'foreign'
      const presented = Buffer.from(signature.slice(signaturePrefix.length), 'base64url')
      const expected = mac(thinking)
      return presented.length === expected.length && timingSafeEqual(presented, expected) ? 'ours' : 'stale'
    },
  }
}
