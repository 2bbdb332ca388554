import { createConcurrencyMiddleware } from '../../providers/middleware/concurrency-middleware.js'
import type { ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import { createTimeoutsMiddleware, type CallTimeouts } from '../../providers/middleware/timeouts-middleware.js'
import { createInstrumentationMiddleware } from '../observability/instrumentation-middleware.js'
import type { ProxyMetrics } from '../observability/metrics.js'
import type { ProviderHealth } from './provider-health.js'

/** One provider's operational settings: its deadlines and how many calls it takes at once. */
export interface ProviderOperationSettings {
  timeouts: CallTimeouts
  /** 0: no limit. */
  maxConcurrent: number
  maxQueued: number
}

/**
 * The middlewares production runs one provider with, outermost first: metrics, health and the request's observer,
 * then the bound on concurrent calls (a 429 past the queue), then deadlines (its own, tightened per request), so
 * every attempt (a fallback's too) is counted, limited and timed under the provider that made it. The retry and
 * defaults entries go inside these (see createProviderMiddlewares), so a retried call is one call to them.
 * @example wrapProvider(base, createOperationsMiddlewares('openai', { timeouts: { idleMs: 60_000 }, maxConcurrent: 64, maxQueued: 256 }, { metrics, health }))
 */
export function createOperationsMiddlewares(
  providerId: string,
  settings: ProviderOperationSettings,
  instrumentation: { metrics: ProxyMetrics; health: ProviderHealth },
): ProviderMiddleware[] {
  return [
    createInstrumentationMiddleware(providerId, instrumentation),
    ...(settings.maxConcurrent === 0
      ? []
      : [createConcurrencyMiddleware(providerId, { maxConcurrent: settings.maxConcurrent, maxQueued: settings.maxQueued, retryAfterSeconds: 1 })]),
    createTimeoutsMiddleware(settings.timeouts),
  ]
}
