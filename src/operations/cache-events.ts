import type { StreamEvent } from '../core/stream-event.js'
import type { ProxyMetrics } from '../observability/metrics.js'
import type { ResponseCacheStore } from './response-cache.js'

export interface CacheUse {
  store: ResponseCacheStore
  key: string
  /** The answer's headers: `x-optiproxy-cache: hit|miss` is set before the first event goes out. */
  headers: Record<string, string>
  metrics: ProxyMetrics
}

/**
 * Answers from the cache when it holds this request's answer: the stored events are replayed (streamed or folded,
 * like a live answer) and the approach never runs. Otherwise the live events pass through and, when the answer
 * ended without an error, are stored.
 * @example const events = serveWithCache(run.events, { store, key, headers, metrics })
 */
export async function* serveWithCache(events: AsyncIterable<StreamEvent>, use: CacheUse): AsyncGenerator<StreamEvent> {
  const cached = await use.store.get(use.key)
  if (cached !== undefined) {
    use.headers['x-optiproxy-cache'] = 'hit'
    use.metrics.cacheRequests.inc({ result: 'hit' })
    // the live run never started (generators run on first read): let it go
    void events[Symbol.asyncIterator]().return?.(undefined)
    yield* cached
    return
  }
  use.headers['x-optiproxy-cache'] = 'miss'
  use.metrics.cacheRequests.inc({ result: 'miss' })
  const collected: StreamEvent[] = []
  let failed = false
  for await (const event of events) {
    if (event.type === 'error') failed = true
    collected.push(event)
    yield event
  }
  if (!failed) await use.store.set(use.key, collected)
}
