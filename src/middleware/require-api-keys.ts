import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ProxyError } from '../core/proxy-error.js'
import type { ResolvedApiKey } from '../operations/operations-file-schema.js'
import type { RateLimiter } from '../operations/rate-limiter.js'
import type { AppEnv } from '../routes/route-dependencies.js'
import { readClientKey } from '../routes/request-scope.js'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/**
 * Requires one of several proxy keys (`api_keys` in the config file) as `Authorization: Bearer <key>`. The token
 * is compared with every key, each as a SHA-256 digest with timingSafeEqual and without stopping at a match, so
 * the time taken says nothing about which key or how much of it matched. The matching key's entry goes into the
 * request's context (its name, never the key, is logged) and its per-minute request and token limits are applied.
 * @example app.use('/v1/*', requireApiKeys(config.apiKeys, limiter))
 */
export function requireApiKeys(keys: readonly ResolvedApiKey[], limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  const digests = keys.map((entry) => ({ entry, digest: digest(entry.key) }))
  return async function requireApiKeysMiddleware(c, next) {
    const token = readClientKey(c)
    if (token === undefined) {
      throw new ProxyError("You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'.", {
        status: 401,
        type: 'invalid_request_error',
        code: 'missing_api_key',
      })
    }
    const presented = digest(token)
    let match: ResolvedApiKey | undefined
    for (const candidate of digests) {
      if (timingSafeEqual(presented, candidate.digest) && match === undefined) match = candidate.entry
    }
    if (match === undefined) throw new ProxyError('Incorrect API key provided.', { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' })
    c.set('apiKey', match)
    const record = c.get('record') as AppEnv['Variables']['record'] | undefined
    if (record !== undefined) record.apiKeyName = match.name
    await limiter.admit(match.name, {
      ...(match.requests_per_minute === undefined ? {} : { requestsPerMinute: match.requests_per_minute }),
      ...(match.tokens_per_minute === undefined ? {} : { tokensPerMinute: match.tokens_per_minute }),
    })
    await next()
  }
}
