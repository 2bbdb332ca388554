import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ProxyError } from '../core/proxy-error.js'
import { readClientKey } from '../routes/request-scope.js'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/**
 * Requires `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests with timingSafeEqual, so the
 * comparison takes the same time whatever the key's length or content.
 * @example app.use('/v1/*', requireApiKey(process.env.OPTIPROXY_API_KEY))
 */
export function requireApiKey(key: string): MiddlewareHandler {
  const expected = digest(key)
  return async function requireApiKeyMiddleware(c, next) {
    const token = readClientKey(c)
    if (token === undefined) {
      throw new ProxyError("You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'.", {
        status: 401,
        type: 'invalid_request_error',
        code: 'missing_api_key',
      })
    }
    if (!timingSafeEqual(digest(token), expected)) {
      throw new ProxyError('Incorrect API key provided.', { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' })
    }
    await next()
  }
}
