import type { RequestTrace } from '../core/trace-span.js'
import { loadIoredis } from '../load-redis-modules.js'
import { matchesTraceQuery, summarizeTrace, type TraceStore, type TraceSummary } from './trace-store.js'

/** How many of the newest ids a filtered list looks through at most. */
const maxScanned = 2_000

/**
 * Traces in Redis, shared by every instance: each trace and its summary under their own keys with a TTL, and a
 * sorted set of ids by start time (trimmed to `maxTraces` and to the TTL) for newest-first lists.
 * @example const store = createRedisTraceStore('redis://127.0.0.1:6379', 'optiproxy:', { ttlSeconds: 86_400, maxTraces: 10_000 }, console.error)
 */
export function createRedisTraceStore(
  url: string,
  prefix: string,
  settings: { ttlSeconds: number; maxTraces: number },
  onError: (error: unknown) => void,
): TraceStore {
  const { Redis } = loadIoredis()
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  const indexKey = `${prefix}traces`
  const traceKey = (id: string): string => `${prefix}trace:${id}`
  const summaryKey = (id: string): string => `${prefix}trace-summary:${id}`
  return {
    async save(trace) {
      try {
        const oldest = Date.now() - settings.ttlSeconds * 1000
        await redis
          .multi()
          .set(traceKey(trace.id), JSON.stringify(trace), 'EX', settings.ttlSeconds)
          .set(summaryKey(trace.id), JSON.stringify(summarizeTrace(trace)), 'EX', settings.ttlSeconds)
          .zadd(indexKey, trace.startTime, trace.id)
          .zremrangebyscore(indexKey, '-inf', oldest)
          .zremrangebyrank(indexKey, 0, -(settings.maxTraces + 1))
          .expire(indexKey, settings.ttlSeconds)
          .exec()
      } catch (error) {
        onError(error)
      }
    },
    async get(id) {
      try {
        const text = await redis.get(traceKey(id))
        return text === null ? undefined : (JSON.parse(text) as RequestTrace)
      } catch (error) {
        onError(error)
        return undefined
      }
    },
    async list(query) {
      try {
        const found: TraceSummary[] = []
        const pageSize = Math.min(maxScanned, Math.max(query.limit, 100))
        for (let offset = 0; offset < maxScanned && found.length < query.limit; offset += pageSize) {
          const ids = await redis.zrevrange(indexKey, offset, offset + pageSize - 1)
          if (ids.length === 0) break
          const summaries = await redis.mget(ids.map(summaryKey))
          for (const text of summaries) {
            if (text === null) continue
            const summary = JSON.parse(text) as TraceSummary
            if (matchesTraceQuery(summary, query)) found.push(summary)
            if (found.length >= query.limit) break
          }
          if (ids.length < pageSize) break
        }
        return found
      } catch (error) {
        onError(error)
        return []
      }
    },
    async close() {
      redis.disconnect()
    },
  }
}
