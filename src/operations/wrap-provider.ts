import { withConcurrencyLimit } from '../../providers/shared/with-concurrency-limit.js'
import { withTimeouts, type CallTimeouts } from '../../providers/shared/with-timeouts.js'
import type { Provider } from '../../providers/types.js'
import { instrumentProvider } from '../observability/instrument-provider.js'
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
 * One provider as production runs it, from the inside out: deadlines (its own, tightened per request), the bound
 * on concurrent calls (a 429 past the queue), then metrics, health and the request's observer, so every attempt
 * (a fallback's too) is timed, limited and counted under the provider that made it.
 * @example const openai = wrapProviderForOperations(base, { timeouts: { idleMs: 60_000 }, maxConcurrent: 64, maxQueued: 256 }, { metrics, health })
 */
export function wrapProviderForOperations(provider: Provider, settings: ProviderOperationSettings, instrumentation: { metrics: ProxyMetrics; health: ProviderHealth }): Provider {
  const timed = withTimeouts(provider, settings.timeouts)
  const limited = settings.maxConcurrent === 0 ? timed : withConcurrencyLimit(timed, { maxConcurrent: settings.maxConcurrent, maxQueued: settings.maxQueued, retryAfterSeconds: 1 })
  return instrumentProvider(limited, instrumentation)
}
