import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ProxyError } from '../core/proxy-error.js'
import type { AppEnv } from '../routes/route-dependencies.js'
import { readBearerToken } from '../routes/request-scope.js'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

const loopbackAddresses = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** True when the TCP peer is this machine (the socket's address, never a forwarded header). */
export function isLoopbackClient(remoteAddress: string | undefined): boolean {
  if (remoteAddress === undefined) return false
  return loopbackAddresses.has(remoteAddress) || remoteAddress.startsWith('127.') || remoteAddress.startsWith('::ffff:127.')
}

/**
 * Guards the admin surface (`/v1/optiproxy/*`): with an admin key, `Authorization: Bearer <admin key>` (compared
 * as SHA-256 digests in constant time); without one, only clients on a loopback address.
 * @example app.use('/v1/optiproxy/*', requireAdminAccess(config.adminKey))
 */
export function requireAdminAccess(adminKey: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = adminKey === undefined ? undefined : digest(adminKey)
  return async function requireAdminAccessMiddleware(c, next) {
    if (expected === undefined) {
      if (!isLoopbackClient(c.env?.incoming?.socket?.remoteAddress)) {
        throw new ProxyError('The admin API answers only clients on this machine unless OPTIPROXY_ADMIN_KEY is set.', {
          status: 403,
          type: 'permission_error',
          code: 'admin_loopback_only',
        })
      }
      return next()
    }
    const token = readBearerToken(c)
    if (token === undefined) {
      throw new ProxyError('The admin API needs the admin key as Bearer.', { status: 401, type: 'invalid_request_error', code: 'missing_admin_key' })
    }
    if (!timingSafeEqual(digest(token), expected))
      throw new ProxyError('Incorrect admin key.', { status: 401, type: 'invalid_request_error', code: 'invalid_admin_key' })
    return next()
  }
}
