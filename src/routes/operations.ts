import type { Context } from 'hono'
import { toProxyError } from '../core/proxy-error.js'
import type { RequestRecord } from '../observability/request-record.js'
import type { AppOperations } from '../operations/app-operations.js'
import type { AppEnv } from './route-dependencies.js'

/** GET /health: liveness. 200 while the process serves; `degraded` lists providers failing in a row. */
export function createHealthHandler(operations: AppOperations) {
  return function handleHealth(c: Context<AppEnv>): Response {
    const providers = operations.health.list()
    const degraded = providers.filter((provider) => provider.status === 'degraded')
    return c.json({ status: degraded.length === 0 ? 'ok' : 'degraded', providers, degraded: degraded.map((provider) => provider.provider) })
  }
}

/** GET /ready: readiness for orchestrators. 503 once the server drains for shutdown, so no new traffic is sent. */
export function createReadyHandler(operations: AppOperations) {
  return function handleReady(c: Context<AppEnv>): Response {
    if (operations.lifecycle.draining) return c.json({ status: 'draining' }, 503)
    return c.json({ status: 'ready' })
  }
}

/** GET /metrics: the Prometheus text exposition of this app's registry. */
export function createMetricsHandler(operations: AppOperations) {
  return async function handleMetrics(): Promise<Response> {
    const { registry } = operations.metrics
    return new Response(await registry.metrics(), { status: 200, headers: { 'content-type': registry.contentType } })
  }
}

/** An error answered by the app's error handler, counted and put into the request's record. */
export function recordError(c: Context<AppEnv>, operations: AppOperations, error: unknown): void {
  const proxyError = toProxyError(error)
  const { labels } = operations.metrics
  operations.metrics.errors.inc({ type: labels.errorType.read(proxyError.type), code: labels.errorCode.read(proxyError.code ?? 'none') })
  const record = c.get('record') as RequestRecord | undefined
  if (record !== undefined) record.error = { type: proxyError.type, code: proxyError.code, status: proxyError.status }
}
