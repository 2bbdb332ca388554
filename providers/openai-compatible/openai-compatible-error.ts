import type { IncomingHttpHeaders } from 'node:http'
import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import { createUpstreamError } from '../../src/core/redact-secrets.js'
import { readRetryAfterSeconds } from '../shared/read-retry-after.js'
import { createUnreachableError, defaultErrorType as defaultType, isRetryableStatus, mapUpstreamStatus } from '../shared/upstream-status.js'
import { openAIErrorBodySchema, type OpenAIErrorBody } from './openai-wire-schemas.js'
import { UpstreamTimeoutError } from './send-upstream-request.js'

function parseErrorBody(text: string): OpenAIErrorBody | undefined {
  try {
    const parsed = openAIErrorBodySchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function readErrorFields(body: OpenAIErrorBody | undefined): { message?: string; type?: string; code?: string; param?: string } {
  if (body === undefined) return {}
  const error = body.error
  if (typeof error === 'string') return { message: error }
  const message =
    error?.message ?? body.message ?? (typeof body.detail === 'string' ? body.detail : body.detail === undefined ? undefined : JSON.stringify(body.detail))
  return {
    ...(message == null ? {} : { message }),
    ...(error?.type == null ? {} : { type: error.type }),
    ...(error?.code == null ? {} : { code: String(error.code) }),
    ...(error?.param == null ? {} : { param: error.param }),
  }
}

/**
 * An upstream's HTTP error answer as a ProxyError: its status mapped for a gateway, its message, type, code and
 * param kept, its Retry-After passed on. Keys (the proxy's and the client's) never reach the message, and an
 * HTML error page is never passed through.
 */
export function convertUpstreamHttpError(
  status: number,
  headers: IncomingHttpHeaders,
  bodyText: string,
  secrets: ReadonlyArray<string | undefined>,
): ProxyError {
  const fields = readErrorFields(parseErrorBody(bodyText))
  let message = fields.message ?? ''
  if (message === '' || looksLikeHtml(message)) {
    message = `The upstream answered with HTTP ${status}${bodyText.trim() === '' ? '' : ' and a body that is not an OpenAI error'}.`
  }
  const mapped = mapUpstreamStatus(status)
  const retryAfter = readRetryAfterSeconds(headers)
  return createUpstreamError(
    message.slice(0, 2000),
    {
      status: mapped,
      type: fields.type ?? defaultType(mapped),
      code: fields.code ?? null,
      param: fields.param ?? null,
      isRetryable: isRetryableStatus(status),
      ...(retryAfter === undefined ? {} : { retryAfter: String(Math.ceil(retryAfter)), retryAfterSeconds: retryAfter }),
    },
    secrets,
  )
}

/** An `{"error": {...}}` object the upstream sent inside a stream: it failed after it had started answering. */
export function convertStreamedError(value: unknown, secrets: ReadonlyArray<string | undefined>): ProxyError {
  const parsed = openAIErrorBodySchema.safeParse(value)
  const fields = readErrorFields(parsed.success ? parsed.data : undefined)
  return createUpstreamError(
    fields.message ?? 'The upstream failed while streaming.',
    {
      status: 502,
      type: fields.type ?? 'upstream_error',
      code: fields.code ?? 'upstream_stream_error',
      param: fields.param ?? null,
    },
    secrets,
  )
}

/** A failure to get any answer: cancelled, timed out, or the connection failed. */
export function convertUpstreamFailure(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error
  if (isAbortError(error)) {
    return new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: error })
  }
  if (error instanceof UpstreamTimeoutError) {
    return new ProxyError(error.message, { status: 504, type: 'timeout_error', code: 'upstream_timeout', isRetryable: true, cause: error })
  }
  return createUnreachableError(error)
}

/** An answer that is not what an OpenAI-compatible server sends. */
export function createInvalidUpstreamResponseError(detail: string, cause?: unknown): ProxyError {
  return new ProxyError(`The upstream sent an invalid response: ${detail}.`, { status: 502, type: 'upstream_error', code: 'upstream_invalid_response', cause })
}

/** Whether a message holds an HTML tag (`<p ...>`, `</div>`): the first tag start, then a `>` after it; linear time. */
function looksLikeHtml(message: string): boolean {
  const start = message.search(/<\/?[a-z]/i)
  return start !== -1 && message.indexOf('>', start) !== -1
}
