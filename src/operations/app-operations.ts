import type { Config } from '../config.js'
import { createLogger, type Logger } from '../observability/logger.js'
import { createProxyMetrics, type ProxyMetrics } from '../observability/metrics.js'
import type { RequestLimits } from './check-request-limits.js'
import { createLifecycle, type Lifecycle } from './lifecycle.js'
import { createMemoryCacheStore, createRedisCacheStore, type ResponseCacheStore } from './response-cache.js'
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from './rate-limiter.js'
import { createProviderHealth, type ProviderHealth } from './provider-health.js'
import type { Tracing } from '../tracing/create-tracing.js'
import { createTracingFromConfig } from '../tracing/create-tracing-from-config.js'

/** Everything production operations keep for one app: metrics, logs, health, lifecycle and the limits. */
export interface AppOperations {
  metrics: ProxyMetrics
  logger: Logger
  health: ProviderHealth
  lifecycle: Lifecycle
  limits: RequestLimits
  /** Per-key request and token limits: in Redis when REDIS_URL is set, else in memory. */
  rateLimiter: RateLimiter
  /** The response cache, when the config file has a `cache` section. */
  cache?: { store: ResponseCacheStore; aliases: ReadonlySet<string>; anyTemperature: boolean }
  /** Put the conversation into request logs (off unless the operator enables it). */
  logPrompts: boolean
  /** Request traces (store, live feed, OTLP export); undefined when OPTIPROXY_TRACES=off. */
  tracing?: Tracing
}

/**
 * @example const operations = createAppOperations(config, { processMetrics: true })
 */
export function createAppOperations(config: Config, options: { processMetrics?: boolean; logDestination?: NodeJS.WritableStream } = {}): AppOperations {
  const logger = createLogger(config.logLevel, options.logDestination)
  const prefix = config.redisKeyPrefix
  const rateLimiter =
    config.redisUrl === undefined
      ? createMemoryRateLimiter()
      : createRedisRateLimiter(config.redisUrl, prefix, (error) =>
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'rate limiter: Redis failed; request let through'),
        )
  const cacheSettings = config.cache
  const cacheStore =
    cacheSettings === undefined
      ? undefined
      : config.redisUrl !== undefined && cacheSettings.store !== 'memory'
        ? createRedisCacheStore(config.redisUrl, prefix, cacheSettings.ttl_ms, (error) =>
            logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'response cache: Redis failed; treated as a miss'),
          )
        : createMemoryCacheStore({ maxEntries: cacheSettings.max_entries, maxBytes: cacheSettings.max_bytes, ttlMs: cacheSettings.ttl_ms })
  const tracing = createTracingFromConfig(config, (error) =>
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'tracing: a trace could not be stored or exported'),
  )
  return {
    ...(tracing === undefined ? {} : { tracing }),
    ...(cacheStore === undefined || cacheSettings === undefined
      ? {}
      : { cache: { store: cacheStore, aliases: new Set(cacheSettings.aliases), anyTemperature: cacheSettings.any_temperature } }),
    rateLimiter,
    metrics: createProxyMetrics({ processMetrics: options.processMetrics ?? false }),
    logger,
    health: createProviderHealth(config.degradedAfterFailures),
    lifecycle: createLifecycle(),
    limits: { maxMessages: config.maxMessages, maxChoices: config.maxChoices, maxJsonDepth: config.maxJsonDepth },
    logPrompts: config.logPrompts,
  }
}
