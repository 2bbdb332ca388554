import { ProxyError } from '../../src/core/proxy-error.js'

/** Upstream statuses the client sees as they are: each means something the client can act on. */
const keptStatuses = new Set([400, 401, 402, 403, 404, 409, 413, 415, 422, 429])

/**
 * The status a gateway answers for an upstream error: client errors keep theirs, 503 and 504 keep their meaning,
 * an overloaded upstream (529) is unavailable, a timeout (408) is a gateway timeout, any other 5xx is a bad gateway.
 * @example mapUpstreamStatus(529) // 503
 */
export function mapUpstreamStatus(status: number): number {
  if (keptStatuses.has(status)) return status
  if (status === 408 || status === 504) return 504
  if (status === 503 || status === 529) return 503
  if (status >= 400 && status < 500) return status
  return 502
}

/**
 * The OpenAI error type for a (mapped) status when the upstream named none we can pass on.
 * @example defaultErrorType(401) // 'authentication_error'
 */
export function defaultErrorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status < 500) return 'invalid_request_error'
  return 'upstream_error'
}

/**
 * Whether the same call may succeed if repeated: timeouts, conflicts, rate limits and server errors.
 * @example isRetryableStatus(429) // true
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/**
 * The failure of a call that never reached the upstream, or whose connection closed before an answer: a 502 worth
 * retrying, whatever the transport (node:http, a vendor SDK, fetch) called it.
 * @example throw createUnreachableError(error)
 */
export function createUnreachableError(cause: unknown): ProxyError {
  return new ProxyError('The upstream could not be reached or closed the connection.', {
    status: 502,
    type: 'upstream_error',
    code: 'upstream_unreachable',
    isRetryable: true,
    cause,
  })
}
