import { ProxyError, toProxyError } from '../core/proxy-error.js'
import { redactSecrets } from '../core/redact-secrets.js'

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/**
 * The one place where an error becomes what an OpenAI client expects: `{"error":{message,type,param,code}}`
 * and an HTTP status. Internal failures keep their detail in `cause` (logged), never in the message.
 */
export function toOpenAIError(error: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  const proxyError = error instanceof ProxyError ? error : toProxyError(error)
  const headers: Record<string, string> = {}
  if (proxyError.retryAfter !== undefined) headers['retry-after'] = proxyError.retryAfter
  return {
    status: proxyError.status,
    // a last net: anything shaped like a key is masked in every field, whatever produced the error
    body: {
      error: {
        message: redactSecrets(proxyError.message, []),
        type: redactSecrets(proxyError.type, []),
        param: scrub(proxyError.param),
        code: scrub(proxyError.code),
      },
    },
    headers,
  }
}

function scrub(value: string | null): string | null {
  return value === null ? null : redactSecrets(value, [])
}
