import { ConfigError, type Config } from '../config.js'
import { createMemoryTraceStore } from './memory-trace-store.js'
import { createRedisTraceStore } from './redis-trace-store.js'
import { createTracing, type Tracing } from './create-tracing.js'

/**
 * The app's tracing as configured: off, a memory ring, or Redis; the OTLP export (and its packages) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set.
 * @example const tracing = createTracingFromConfig(config, (error) => logger.warn({ err: String(error) }, 'tracing'))
 */
export function createTracingFromConfig(config: Config, onError: (error: unknown) => void): Tracing | undefined {
  if (config.traceStore === 'off') return undefined
  if (config.traceStore === 'redis' && config.redisUrl === undefined)
    throw new ConfigError('Invalid configuration:\n  --traces / OPTIPROXY_TRACES: redis needs REDIS_URL')
  const store =
    config.traceStore === 'redis' && config.redisUrl !== undefined
      ? createRedisTraceStore(config.redisUrl, config.redisKeyPrefix, { ttlSeconds: config.traceTtlSeconds, maxTraces: config.traceMaxCount }, onError)
      : createMemoryTraceStore({ maxTraces: config.traceMaxCount, maxBytes: config.traceMaxBytes })
  const endpoint = config.otelTracesEndpoint ?? config.otelEndpoint
  const otlp =
    endpoint === undefined
      ? undefined
      : import('./otlp-export.js').then(({ createOtlpExport }) =>
          createOtlpExport({
            endpoint: config.otelEndpoint ?? endpoint,
            ...(config.otelTracesEndpoint === undefined ? {} : { tracesEndpoint: config.otelTracesEndpoint }),
            serviceName: config.otelServiceName,
          }),
        )
  return createTracing({ store, capturesText: config.logPrompts, maxSpans: config.traceMaxSpans, ...(otlp === undefined ? {} : { otlp }), onError })
}
