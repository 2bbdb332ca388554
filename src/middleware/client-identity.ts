import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import type { AppEnv } from '../routes/route-dependencies.js'
import { readBearerToken } from '../routes/request-scope.js'

/**
 * Who a request comes from, as the owner of what it stores (responses, background runs, event streams, cache
 * entries): `key:<name>` for a named proxy key (`api_keys`), else `bearer:<SHA-256 of the bearer token>` (or of
 * `x-api-key`: a client's own key in bring-your-own-key mode, or the one proxy key everyone shares), else
 * `anonymous`.
 * The token itself is never kept. Derived once per request and kept in the request's context, so every
 * dialect's routes call this one function.
 * @example if (record.owner !== readClientIdentity(c)) throw createNotFoundError(id)
 */
export function readClientIdentity(c: Context<AppEnv>): string {
  const known = c.get('clientIdentity')
  if (known !== undefined) return known
  const apiKey = c.get('apiKey')
  // a dialect that authenticates with `x-api-key` (Anthropic's) is identified by that key the same way
  const token = apiKey === undefined ? (readBearerToken(c) ?? (c.req.header('x-api-key')?.trim() || undefined)) : undefined
  const identity =
    apiKey !== undefined ? `key:${apiKey.name}` : token !== undefined ? `bearer:${createHash('sha256').update(token).digest('hex')}` : 'anonymous'
  c.set('clientIdentity', identity)
  return identity
}
