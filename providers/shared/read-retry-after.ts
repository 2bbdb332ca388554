import type { IncomingHttpHeaders } from 'node:http'

/**
 * Seconds to wait from Retry-After (seconds or an HTTP date) or retry-after-ms, when the upstream sent one.
 * @example readRetryAfterSeconds({ 'retry-after': '7' }) // 7
 */
export function readRetryAfterSeconds(headers: IncomingHttpHeaders): number | undefined {
  const milliseconds = Number(headers['retry-after-ms'])
  if (Number.isFinite(milliseconds) && milliseconds >= 0 && headers['retry-after-ms'] !== undefined) return milliseconds / 1000
  const value = headers['retry-after']
  if (typeof value !== 'string' || value === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined
}

/**
 * The same for a fetch Headers object (what the vendor SDKs expose).
 * @example readRetryAfterFromHeaders(error.headers)
 */
export function readRetryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  if (headers === undefined) return undefined
  return readRetryAfterSeconds({ 'retry-after': headers.get('retry-after') ?? undefined, 'retry-after-ms': headers.get('retry-after-ms') ?? undefined })
}
