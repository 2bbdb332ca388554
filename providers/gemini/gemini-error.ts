import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import { createUpstreamError, redactSecrets } from '../../src/core/redact-secrets.js'
import { createUnreachableError, defaultErrorType, isRetryableStatus, mapUpstreamStatus } from '../shared/upstream-status.js'
import { geminiErrorBodySchema } from './gemini-wire-schemas.js'

/** The SDK module: loaded on a provider's first call, so its error class comes with it. */
export type GeminiSdk = typeof import('@google/genai')

/** The SDK puts the error body, as JSON, into the message (after `got status: ...` for errors inside a stream). */
function readErrorBody(message: string): { message?: string; status?: string; retryAfterSeconds?: number; badKey?: boolean } {
  const start = message.indexOf('{')
  if (start < 0) return {}
  let json: unknown
  try {
    json = JSON.parse(message.slice(start))
  } catch {
    return {}
  }
  const parsed = geminiErrorBodySchema.safeParse(json)
  if (!parsed.success) return {}
  const { error } = parsed.data
  // a 429's RetryInfo detail says how long to wait: "30s" or "1.5s"
  const delay = error.details?.find((detail) => detail.retryDelay !== undefined)?.retryDelay
  const seconds = delay === undefined ? Number.NaN : Number.parseFloat(delay)
  return {
    ...(error.message === undefined ? {} : { message: error.message }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {}),
    // Gemini answers a bad key with 400 INVALID_ARGUMENT and the reason API_KEY_INVALID: for the client it is a 401
    ...(error.details?.some((detail) => detail.reason === 'API_KEY_INVALID') === true ? { badKey: true } : {}),
  }
}

/**
 * Anything the Gemini SDK threw, as a ProxyError: HTTP errors keep their status (5xx become 502/503/504) and
 * message, Google's status name becomes the code, the answer's Retry-After header (else a 429's retryDelay) becomes
 * Retry-After; keys never reach the message.
 * @example throw convertGeminiFailure(error, [apiKey], sdk, headerRetryAfterSeconds)
 */
export function convertGeminiFailure(
  error: unknown,
  secrets: ReadonlyArray<string | undefined>,
  sdk: GeminiSdk | undefined,
  headerRetryAfterSeconds?: number,
): ProxyError {
  if (error instanceof ProxyError) return error
  if (isAbortError(error)) return new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: error })
  if (sdk !== undefined && error instanceof sdk.ApiError) {
    const fields = readErrorBody(error.message)
    const status = fields.badKey === true ? 401 : mapUpstreamStatus(error.status)
    const retryAfter = headerRetryAfterSeconds ?? fields.retryAfterSeconds
    return createUpstreamError(
      (fields.message ?? `The upstream answered with HTTP ${error.status}.`).slice(0, 2000),
      {
        status,
        type: defaultErrorType(status),
        code: fields.badKey === true ? 'invalid_api_key' : (fields.status ?? null),
        isRetryable: isRetryableStatus(error.status),
        ...(retryAfter === undefined ? {} : { retryAfter: String(Math.ceil(retryAfter)), retryAfterSeconds: retryAfter }),
      },
      secrets,
    )
  }
  if (error instanceof SyntaxError || (error instanceof Error && error.message.startsWith('exception parsing stream chunk'))) {
    return createInvalidGeminiResponseError('a stream chunk is not JSON', error)
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return createUnreachableError(error)
  }
  return createInvalidGeminiResponseError(error instanceof Error ? redactSecrets(error.message.slice(0, 300), secrets) : 'unexpected failure', error)
}

/** An answer that is not what the Gemini API sends. */
export function createInvalidGeminiResponseError(detail: string, cause?: unknown): ProxyError {
  return new ProxyError(`The upstream sent an invalid response: ${detail}.`, { status: 502, type: 'upstream_error', code: 'upstream_invalid_response', cause })
}
