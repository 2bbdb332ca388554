import type { Context } from 'hono'
import { ProxyError } from '../core/proxy-error.js'

/** Any path the proxy does not serve: a JSON 404, never an HTML page. */
export function handleUnknownRoute(c: Context): never {
  throw new ProxyError(`Unknown request URL: ${c.req.method} ${c.req.path}. Please check the URL for typos.`, {
    status: 404,
    type: 'invalid_request_error',
    code: 'unknown_url',
  })
}

/** A served path called with the wrong method: 405 with the Allow header. */
export function createMethodNotAllowedHandler(allowed: string[]) {
  return function handleMethodNotAllowed(c: Context): never {
    c.header('allow', allowed.join(', '))
    throw new ProxyError(`Method ${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}.`, {
      status: 405,
      type: 'invalid_request_error',
      code: 'method_not_allowed',
    })
  }
}

/** The Assistants API (and its threads) was retired by OpenAI; say where to go instead. */
export function handleRetiredAssistantsApi(): never {
  throw new ProxyError(
    'The Assistants API was retired by OpenAI (shut down on 2026-08-26) and optiproxy does not serve it. Use /v1/responses or /v1/chat/completions instead.',
    { status: 404, type: 'invalid_request_error', code: 'assistants_api_retired' },
  )
}
