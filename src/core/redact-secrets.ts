import { ProxyError, type ProxyErrorOptions } from './proxy-error.js'

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

/**
 * An error built from what an upstream said: every string field (message, type, code, param) is scrubbed of the
 * given secrets and of anything shaped like a key, and bounded in length, so none of them can carry a key to a
 * client, a log line or a metrics label.
 * @example throw createUpstreamError(body.error.message, { status: 401, type: body.error.type, code: body.error.code }, [key])
 */
export function createUpstreamError(message: string, options: ProxyErrorOptions, secrets: ReadonlyArray<string | undefined>): ProxyError {
  const scrub = (value: string, max: number): string => redactSecrets(value.slice(0, max), secrets)
  const field = (value: string | null | undefined): string | null | undefined => (typeof value === 'string' ? scrub(value, 200) : value)
  const code = field(options.code)
  const param = field(options.param)
  return new ProxyError(scrub(message, 2000), {
    ...options,
    type: scrub(options.type, 200),
    ...(code === undefined ? {} : { code }),
    ...(param === undefined ? {} : { param }),
  })
}
