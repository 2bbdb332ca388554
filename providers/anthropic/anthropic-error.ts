import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import { createUpstreamError } from '../../src/core/redact-secrets.js'
import { readRetryAfterFromHeaders } from '../shared/read-retry-after.js'
import { createUnreachableError, defaultErrorType, isRetryableStatus, mapUpstreamStatus } from '../shared/upstream-status.js'
import { anthropicErrorBodySchema } from './anthropic-wire-schemas.js'

/** The SDK module: loaded on a provider's first call, so its error classes come with it. */
export type AnthropicSdk = typeof import('@anthropic-ai/sdk')

/** Anthropic error types that name the same thing as an OpenAI error type; the others get the status's type. */
const keptTypes = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'request_too_large'])

function readBodyFields(body: unknown): { type?: string; message?: string } {
  const parsed = anthropicErrorBodySchema.safeParse(body)
  if (!parsed.success) return {}
  return {
    ...(parsed.data.error.type === undefined ? {} : { type: parsed.data.error.type }),
    ...(parsed.data.error.message === undefined ? {} : { message: parsed.data.error.message }),
  }
}

/**
 * Anything the Anthropic SDK threw, as a ProxyError with the upstream's Retry-After: HTTP errors keep their status
 * (529 overloaded becomes 503, other 5xx 502) and message, keys never reach the message.
 * @example throw convertAnthropicFailure(error, [apiKey], sdk)
 */
export function convertAnthropicFailure(error: unknown, secrets: ReadonlyArray<string | undefined>, sdk: AnthropicSdk | undefined): ProxyError {
  if (error instanceof ProxyError) return error
  if (sdk === undefined) return isAbortError(error) ? convertAbort(error) : createInvalidAnthropicResponseError('unexpected failure', error)
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk
  if (error instanceof APIUserAbortError || isAbortError(error)) return convertAbort(error)
  if (error instanceof APIConnectionTimeoutError) {
    return new ProxyError('The upstream did not answer in time.', {
      status: 504,
      type: 'timeout_error',
      code: 'upstream_timeout',
      isRetryable: true,
      cause: error,
    })
  }
  if (error instanceof APIConnectionError) {
    return createUnreachableError(error)
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const fields = readBodyFields(error.error)
    const status = mapUpstreamStatus(error.status)
    const retryAfterSeconds = readRetryAfterFromHeaders(error.headers)
    const message = fields.message ?? `The upstream answered with HTTP ${error.status}.`
    const type = fields.type !== undefined && keptTypes.has(fields.type) ? fields.type : defaultErrorType(status)
    return createUpstreamError(
      message.slice(0, 2000),
      {
        status,
        type,
        code: fields.type ?? null,
        isRetryable: isRetryableStatus(error.status),
        ...(retryAfterSeconds === undefined ? {} : { retryAfter: String(Math.ceil(retryAfterSeconds)), retryAfterSeconds }),
      },
      secrets,
    )
  }
  if (error instanceof APIError) return convertAnthropicStreamError(error.error, secrets)
  if (error instanceof SyntaxError) return createInvalidAnthropicResponseError('a stream event is not JSON', error)
  return createInvalidAnthropicResponseError(error instanceof Error ? error.message : 'unexpected failure', error)
}

function convertAbort(error: unknown): ProxyError {
  return new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: error })
}

/**
 * An `error` event inside a stream (the upstream failed after it had started answering): 502, or 503 when overloaded.
 * @example convertAnthropicStreamError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, [])
 */
export function convertAnthropicStreamError(body: unknown, secrets: ReadonlyArray<string | undefined>): ProxyError {
  const fields = readBodyFields(body)
  const overloaded = fields.type === 'overloaded_error'
  return createUpstreamError(
    fields.message ?? 'The upstream failed while streaming.',
    {
      status: overloaded ? 503 : 502,
      type: 'upstream_error',
      code: fields.type ?? 'upstream_stream_error',
    },
    secrets,
  )
}

/** An answer that is not what the Messages API sends. */
export function createInvalidAnthropicResponseError(detail: string, cause?: unknown): ProxyError {
  return new ProxyError(`The upstream sent an invalid response: ${detail}.`, { status: 502, type: 'upstream_error', code: 'upstream_invalid_response', cause })
}
