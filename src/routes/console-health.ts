import type { Context } from 'hono'
import type { AppOperations } from '../operations/app-operations.js'
import type { AppEnv } from './route-dependencies.js'

/**
 * GET /v1/optiproxy/health: what the console's Health page shows: providers and the degraded ones, requests in
 * flight, approach runs in flight (their traces), and the most recent failed requests.
 */
export function createConsoleHealthHandler(operations: AppOperations) {
  return async function handleConsoleHealth(c: Context<AppEnv>): Promise<Response> {
    const providers = operations.health.list()
    const tracing = operations.tracing
    const running = tracing?.listRunning() ?? []
    const recentErrors = tracing === undefined ? [] : await tracing.store.list({ limit: 20, status: 'error' })
    return c.json({
      status: providers.some((provider) => provider.status === 'degraded') ? 'degraded' : 'ok',
      draining: operations.lifecycle.draining,
      providers,
      degraded: providers.filter((provider) => provider.status === 'degraded').map((provider) => provider.provider),
      in_flight_requests: operations.lifecycle.inFlight,
      running: running.slice(0, 100),
      recent_errors: recentErrors,
      traces: tracing === undefined ? 'off' : 'on',
      captures_text: tracing?.capturesText ?? false,
    })
  }
}
