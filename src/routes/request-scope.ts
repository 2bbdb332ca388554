import type { Context } from 'hono'
import type { RequestScope } from '../approach-runtime/run-approach.js'
import { isValidTraceparent } from '../tracing/traceparent.js'
import type { AppEnv } from './route-dependencies.js'

/** The bearer token the client sent, if any. */
export function readBearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization')
  if (header === undefined) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim() || undefined
}

/**
 * The key the client sent: `Authorization: Bearer <key>` (OpenAI's SDKs, and Anthropic's with an auth token), else
 * `x-api-key` (Anthropic's SDKs and Claude Code).
 * @example const key = readClientKey(c)
 */
export function readClientKey(c: Context): string | undefined {
  return readBearerToken(c) ?? (c.req.header('x-api-key')?.trim() || undefined)
}

/**
 * The request's scope for upstream calls: the signal that fires when the client disconnects, and the client's
 * own key when it must be forwarded (bring-your-own-key: the proxy has no upstream key and no client auth of its own).
 */
export function createRequestScope(c: Context<AppEnv>, forwardClientKey: boolean): RequestScope {
  const apiKey = forwardClientKey ? readClientKey(c) : undefined
  const record = c.get('record') as AppEnv['Variables']['record'] | undefined
  const traceparent = c.req.header('traceparent')?.trim().toLowerCase()
  const trace = record === undefined ? undefined : { id: record.id, route: record.route, ...(isValidTraceparent(traceparent) ? { traceparent } : {}) }
  return { signal: c.req.raw.signal, ...(apiKey === undefined ? {} : { apiKey }), ...(trace === undefined ? {} : { trace }) }
}
