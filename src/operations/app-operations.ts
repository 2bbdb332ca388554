import type { Config } from '../config.js'
import { createLogger, type Logger } from '../observability/logger.js'
import { createProxyMetrics, type ProxyMetrics } from '../observability/metrics.js'
import type { RequestLimits } from './check-request-limits.js'
import { createLifecycle, type Lifecycle } from './lifecycle.js'
import { createProviderHealth, type ProviderHealth } from './provider-health.js'

/** Everything production operations keep for one app: metrics, logs, health, lifecycle and the limits. */
export interface AppOperations {
  metrics: ProxyMetrics
  logger: Logger
  health: ProviderHealth
  lifecycle: Lifecycle
  limits: RequestLimits
  /** Put the conversation into request logs (off unless the operator enables it). */
  logPrompts: boolean
}

/**
 * @example const operations = createAppOperations(config, { processMetrics: true })
 */
export function createAppOperations(config: Config, options: { processMetrics?: boolean; logDestination?: NodeJS.WritableStream } = {}): AppOperations {
  return {
    metrics: createProxyMetrics({ processMetrics: options.processMetrics ?? false }),
    logger: createLogger(config.logLevel, options.logDestination),
    health: createProviderHealth(config.degradedAfterFailures),
    lifecycle: createLifecycle(),
    limits: { maxMessages: config.maxMessages, maxChoices: config.maxChoices, maxJsonDepth: config.maxJsonDepth },
    logPrompts: config.logPrompts,
  }
}
