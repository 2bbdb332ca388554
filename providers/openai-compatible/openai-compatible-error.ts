import type { APIError } from 'openai'
import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import { redactSecrets } from '../../src/core/redact-secrets.js'

/** Upstream statuses the client sees as they are: each means something the client can act on. */
const keptStatuses = new Set([400, 401, 402, 403, 404, 409, 413, 415, 422, 429])

/**
 * Maps an upstream 5xx to what a gateway should answer: 503 and 504 keep their meaning, an overloaded
 * upstream (529) is unavailable, everything else is a bad gateway.
 */
function mapUpstreamStatus(status: number): number {
  if (keptStatuses.has(status)) return status
  if (status === 408 || status === 504) return 504
  if (status === 503 || status === 529) return 503
  if (status >= 400 && status < 500) return status
  return 502
}

function defaultType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status < 500) return 'invalid_request_error'
  return 'upstream_error'
}

function readRetryAfter(headers: Headers | undefined): string | undefined {
  const seconds = headers?.get('retry-after')
  if (seconds) return seconds
  const milliseconds = Number(headers?.get('retry-after-ms'))
  return Number.isFinite(milliseconds) && milliseconds > 0 ? String(Math.ceil(milliseconds / 1000)) : undefined
}

function isApiError(error: unknown): error is APIError {
  return error instanceof Error && 'status' in error && 'headers' in error && 'error' in error
}

/**
 * Turns whatever the openai SDK threw into a ProxyError with the upstream's status, type, code, param and
 * Retry-After. Keys (the proxy's and the client's) never reach the message.
 */
export function convertOpenAICompatibleError(error: unknown, secrets: ReadonlyArray<string | undefined>): ProxyError {
  if (error instanceof ProxyError) return error
  // the SDK's error classes leave `name` as 'Error'; the class tells them apart
  const kind = error instanceof Error ? error.constructor.name : ''
  if (isAbortError(error) || kind === 'APIUserAbortError') {
    return new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: error })
  }
  if (kind === 'APIConnectionTimeoutError') {
    return new ProxyError('The upstream did not answer in time.', { status: 504, type: 'timeout_error', code: 'upstream_timeout', isRetryable: true, cause: error })
  }
  if (kind === 'APIConnectionError') {
    return new ProxyError('The upstream could not be reached.', { status: 502, type: 'upstream_error', code: 'upstream_unreachable', isRetryable: true, cause: error })
  }
  if (isApiError(error)) {
    const body = (error.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown; param?: unknown }
    const upstreamStatus = error.status
    if (upstreamStatus === undefined) {
      // an error object sent inside a stream: the upstream failed after it had started answering
      const message = typeof body.message === 'string' ? body.message : 'The upstream failed while streaming.'
      return new ProxyError(redactSecrets(message, secrets), {
        status: 502,
        type: typeof body.type === 'string' ? body.type : 'upstream_error',
        code: typeof body.code === 'string' ? body.code : 'upstream_stream_error',
        param: typeof body.param === 'string' ? body.param : null,
        cause: error,
      })
    }
    const status = mapUpstreamStatus(upstreamStatus)
    let message = typeof body.message === 'string' && body.message !== '' ? body.message : `The upstream answered with HTTP ${upstreamStatus}.`
    if (/<\/?[a-z][\s\S]*>/i.test(message)) message = `The upstream answered with HTTP ${upstreamStatus} and a non-JSON body.`
    const retryAfter = readRetryAfter(error.headers)
    return new ProxyError(redactSecrets(message.slice(0, 2000), secrets), {
      status,
      type: typeof body.type === 'string' && body.type !== '' ? body.type : defaultType(status),
      code: typeof body.code === 'string' || typeof body.code === 'number' ? String(body.code) : null,
      param: typeof body.param === 'string' ? body.param : null,
      isRetryable: upstreamStatus === 408 || upstreamStatus === 409 || upstreamStatus === 429 || upstreamStatus >= 500,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      cause: error,
    })
  }
  if (error instanceof SyntaxError) {
    return new ProxyError('The upstream sent a response that is not valid JSON.', { status: 502, type: 'upstream_error', code: 'upstream_invalid_response', cause: error })
  }
  return new ProxyError('The upstream call failed.', { status: 502, type: 'upstream_error', code: 'upstream_error', cause: error })
}
