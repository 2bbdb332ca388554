import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { approachRegistry } from '../../approaches/registry.js'
import { createBoundedLabel, type BoundedLabel } from './bounded-label.js'

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/** The proxy's Prometheus metrics, in a registry of their own: one set per app, none shared between apps. */
export interface ProxyMetrics {
  registry: Registry
  requests: Counter<'route' | 'status'>
  requestDuration: Histogram<'route' | 'status'>
  timeToFirstToken: Histogram<'route' | 'approach'>
  upstreamCalls: Counter<'provider' | 'approach' | 'kind' | 'outcome'>
  upstreamDuration: Histogram<'provider' | 'kind' | 'outcome'>
  tokens: Counter<'provider' | 'model' | 'direction'>
  errors: Counter<'type' | 'code'>
  streamsInFlight: Gauge
  cacheRequests: Counter<'result'>
  /**
   * The labels whose values come from clients or upstreams, each bounded (a known set, `other` beyond it): an
   * approach is a known slug (a combination such as `moa|bon` is `other`), a model or an error code one of the
   * first few seen.
   */
  labels: { approach: BoundedLabel; model: BoundedLabel; errorType: BoundedLabel; errorCode: BoundedLabel }
}

const knownErrorTypes = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'rate_limit_error',
  'request_too_large',
  'upstream_error',
  'timeout_error',
  'server_error',
]

/**
 * Creates the metrics of one app. With `processMetrics`, prom-client's default process metrics (CPU, RSS,
 * event-loop lag, GC) are collected into the same registry.
 * @example const metrics = createProxyMetrics({ processMetrics: true }); await metrics.registry.metrics()
 */
export function createProxyMetrics(options: { processMetrics: boolean }): ProxyMetrics {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'optiproxy_' })
  const registers = [registry]
  return {
    registry,
    requests: new Counter({
      name: 'optiproxy_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'optiproxy_http_request_duration_seconds',
      help: 'Time from request to the end of the response (a stream: to its last byte)',
      labelNames: ['route', 'status'],
      buckets: latencyBuckets,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'optiproxy_time_to_first_token_seconds',
      help: 'Time from request to the first generated text, reasoning or tool-call delta',
      labelNames: ['route', 'approach'],
      buckets: latencyBuckets,
      registers,
    }),
    upstreamCalls: new Counter({
      name: 'optiproxy_upstream_calls_total',
      help: 'Upstream model calls, by provider, approach, kind (generate|stream) and outcome (ok or the error type)',
      labelNames: ['provider', 'approach', 'kind', 'outcome'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'optiproxy_upstream_call_duration_seconds',
      help: 'Duration of upstream model calls',
      labelNames: ['provider', 'kind', 'outcome'],
      buckets: latencyBuckets,
      registers,
    }),
    tokens: new Counter({
      name: 'optiproxy_tokens_total',
      help: 'Tokens the upstreams reported, by provider, model and direction (in = prompt, out = completion)',
      labelNames: ['provider', 'model', 'direction'],
      registers,
    }),
    errors: new Counter({
      name: 'optiproxy_errors_total',
      help: 'Errors answered to clients (responses and stream error frames), by type and code',
      labelNames: ['type', 'code'],
      registers,
    }),
    streamsInFlight: new Gauge({ name: 'optiproxy_streams_in_flight', help: 'Streamed responses currently open', registers }),
    cacheRequests: new Counter({
      name: 'optiproxy_cache_requests_total',
      help: 'Requests that used the response cache, by result (hit|miss)',
      labelNames: ['result'],
      registers,
    }),
    labels: {
      approach: createBoundedLabel([...approachRegistry.keys(), 'unknown'], 0),
      model: createBoundedLabel([], 200),
      errorType: createBoundedLabel([...knownErrorTypes, 'cancelled', 'ok'], 20),
      errorCode: createBoundedLabel(['none'], 100),
    },
  }
}
