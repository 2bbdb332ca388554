import { ProxyError, toProxyError } from '../core/proxy-error.js'

/** Anthropic's error body: `{"type":"error","error":{"type","message"},"request_id"}`. */
export interface AnthropicErrorBody {
  type: 'error'
  error: { type: string; message: string }
  request_id: string | null
}

/**
 * Anthropic's status and error type for a proxy error. Anthropic answers an overload with 529 (the proxy's 503:
 * an upstream's 529, a full queue, a shutdown) and a timeout with 504; other 5xx are `api_error`.
 */
function mapStatus(error: ProxyError): { status: number; type: string } {
  const status = error.status
  if (status === 401) return { status, type: 'authentication_error' }
  if (status === 402) return { status, type: 'billing_error' }
  if (status === 403) return { status, type: 'permission_error' }
  if (status === 404) return { status, type: 'not_found_error' }
  if (status === 413) return { status, type: 'request_too_large' }
  if (status === 429) return { status, type: 'rate_limit_error' }
  if (status === 408 || status === 504) return { status: 504, type: 'timeout_error' }
  if (status === 503 || status === 529) return { status: 529, type: 'overloaded_error' }
  if (status >= 500) return { status, type: 'api_error' }
  if (status === 499) return { status, type: 'api_error' }
  return { status, type: 'invalid_request_error' }
}

/**
 * The one place where an error becomes what an Anthropic client expects. The message keeps the parameter it is
 * about (`messages[0].content: ...`), as Anthropic's own messages do.
 * @example const { status, body } = toAnthropicError(error, 'req_123')
 */
export function toAnthropicError(error: unknown, requestId?: string): { status: number; body: AnthropicErrorBody; headers: Record<string, string> } {
  const proxyError = error instanceof ProxyError ? error : toProxyError(error)
  const { status, type } = mapStatus(proxyError)
  const headers: Record<string, string> = {}
  if (proxyError.retryAfter !== undefined) headers['retry-after'] = proxyError.retryAfter
  const message =
    proxyError.param !== null && !proxyError.message.startsWith(proxyError.param) ? `${proxyError.param}: ${proxyError.message}` : proxyError.message
  return { status, body: { type: 'error', error: { type, message }, request_id: requestId ?? null }, headers }
}

/**
 * An error response in Anthropic's shape, with Retry-After when the error carries one.
 * @example return createAnthropicErrorResponse(error, { 'x-request-id': id })
 */
export function createAnthropicErrorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const { status, body, headers: errorHeaders } = toAnthropicError(error, headers['x-request-id'])
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers, ...errorHeaders, ...(body.request_id === null ? {} : { 'request-id': body.request_id }) },
  })
}
