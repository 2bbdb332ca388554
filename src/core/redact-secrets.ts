const keyPattern = /\b(sk|pk|rk|sess)-[A-Za-z0-9_*-]{8,}/g
const bearerPattern = /\bBearer\s+[^\s"',]+/gi

/**
 * Removes credentials from text that is about to leave the proxy (upstream error messages, logs).
 * The given secrets are replaced wherever they appear; anything shaped like an API key or a bearer token is masked too.
 * @example redactSecrets('Incorrect API key provided: sk-abc123456789', [configuredKey]) // 'Incorrect API key provided: sk-***'
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let redacted = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) redacted = redacted.split(secret).join('***')
  }
  return redacted.replace(keyPattern, (_match, prefix: string) => `${prefix}-***`).replace(bearerPattern, 'Bearer ***')
}
