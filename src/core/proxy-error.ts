/**
 * The one error type inside the proxy. Everything that can fail (parsing, routing, providers, approaches)
 * throws or yields a ProxyError; src/openai/error-body.ts is the one place that turns it into the OpenAI
 * error object and HTTP status.
 */
export type ProxyErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'request_too_large'
  | 'upstream_error'
  | 'timeout_error'
  | 'server_error'

export interface ProxyErrorOptions {
  /** HTTP status the client receives. */
  status: number
  type: ProxyErrorType | (string & {})
  code?: string | null
  param?: string | null
  /** Whether repeating the same request may succeed (rate limits, overloads, timeouts, 5xx). */
  isRetryable?: boolean
  /** Seconds, from the upstream's Retry-After, passed on to the client. */
  retryAfter?: string
  /** The exact wait the upstream asked for (Retry-After, retry-after-ms, a vendor's retry delay), which a retry honours. */
  retryAfterSeconds?: number
  cause?: unknown
}

export class ProxyError extends Error {
  readonly status: number
  readonly type: string
  readonly code: string | null
  readonly param: string | null
  readonly isRetryable: boolean
  readonly retryAfter: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(message: string, options: ProxyErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ProxyError'
    this.status = options.status
    this.type = options.type
    this.code = options.code ?? null
    this.param = options.param ?? null
    this.isRetryable = options.isRetryable ?? false
    this.retryAfter = options.retryAfter
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** A 400 for a request the client must change; `param` names the offending field (`messages[0].role`). */
export function createInvalidRequestError(message: string, param: string | null = null, code: string | null = null): ProxyError {
  return new ProxyError(message, { status: 400, type: 'invalid_request_error', param, code })
}

/** Wraps anything thrown into a ProxyError without losing it (it becomes the cause). */
export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error
  if (isAbortError(error)) {
    return new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: error })
  }
  return new ProxyError('The proxy failed while processing the request.', {
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    cause: error,
  })
}

/** True for the errors fetch and AbortSignal raise when a signal aborts. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}
