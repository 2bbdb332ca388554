import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Hono, MiddlewareHandler } from 'hono'
import type { AppEnv } from './route-dependencies.js'

/** The console's policy: its own scripts, styles and API only; no inline code, no frames, no other origin. */
export const consoleContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

/**
 * The built console (`npm run build` writes dist/console): next to the built server (dist/src/routes -> dist/console),
 * or the repository's dist/console when the server runs from source.
 */
export function findConsoleDirectory(): string | undefined {
  for (const candidate of ['../../console/', '../../dist/console/']) {
    const folder = fileURLToPath(new URL(candidate, import.meta.url))
    if (existsSync(`${folder}index.html`) && existsSync(`${folder}assets`)) return folder
  }
  return undefined
}

const setSecurityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  c.res.headers.set('content-security-policy', consoleContentSecurityPolicy)
  c.res.headers.set('x-content-type-options', 'nosniff')
  c.res.headers.set('referrer-policy', 'no-referrer')
  c.res.headers.set('x-frame-options', 'DENY')
  c.res.headers.set('cross-origin-opener-policy', 'same-origin')
}

/**
 * Serves the console at /ui (its single page and hashed assets) under a strict Content-Security-Policy. The page
 * holds no data: every request it makes goes to /v1/optiproxy/*, which checks access.
 * @example mountConsole(app, findConsoleDirectory(), requireAdminAccess(undefined))
 */
export function mountConsole(app: Hono<AppEnv>, folder: string | undefined, guard: MiddlewareHandler<AppEnv> | undefined): void {
  app.use('/ui', setSecurityHeaders)
  app.use('/ui/*', setSecurityHeaders)
  if (guard !== undefined) {
    app.use('/ui', guard)
    app.use('/ui/*', guard)
  }
  app.get('/ui', (c) => c.redirect('/ui/', 302))
  if (folder === undefined) {
    app.get('/ui/*', (c) => c.text('The console is not built: run `npm run build`.', 503))
    return
  }
  app.use('/ui/assets/*', async (c, next) => {
    await next()
    if (c.res.status === 200) c.res.headers.set('cache-control', 'public, max-age=31536000, immutable')
  })
  app.get('/ui/*', serveStatic({ root: folder, rewriteRequestPath: (path) => path.replace(/^\/ui/, '') }))
  app.get('/ui/*', serveStatic({ root: folder, path: 'index.html' }))
}
