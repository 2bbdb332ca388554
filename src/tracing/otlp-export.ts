import type { RequestTrace, TraceSpan } from '../core/trace-span.js'
import { isValidTraceparent } from './traceparent.js'

export interface OtlpExportSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans go to `<endpoint>/v1/traces`. */
  endpoint: string
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full URL, used as it is. */
  tracesEndpoint?: string
  serviceName: string
}

export interface OtlpExport {
  /** Queues a finished trace's spans for the batch exporter. */
  export(trace: RequestTrace): void
  /** Sends what is queued and stops. */
  close(): Promise<void>
}

/**
 * Exports finished traces over OTLP/HTTP with the official OpenTelemetry SDK, loaded here on first use (only when
 * an endpoint is configured: without one none of these packages is loaded). A request span continues the client's
 * W3C `traceparent`; upstream calls carry the GenAI semantic-convention attributes (`gen_ai.*`) as recorded.
 * @example const otlp = await createOtlpExport({ endpoint: 'http://127.0.0.1:4318', serviceName: 'optiproxy' })
 */
export async function createOtlpExport(settings: OtlpExportSettings): Promise<OtlpExport> {
  const [api, sdk, exporterModule, resources, core, conventions] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/semantic-conventions'),
  ])
  const url = settings.tracesEndpoint ?? `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`
  const exporter = new exporterModule.OTLPTraceExporter({ url })
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ [conventions.ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { maxQueueSize: 4096, scheduledDelayMillis: 1000 })],
  })
  const tracer = provider.getTracer('optiproxy')
  const propagator = new core.W3CTraceContextPropagator()
  const kindOf = (span: TraceSpan): import('@opentelemetry/api').SpanKind =>
    span.kind === 'request' ? api.SpanKind.SERVER : span.kind === 'upstream_call' ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL

  return {
    export(trace) {
      const rootContext = isValidTraceparent(trace.traceparent)
        ? propagator.extract(api.ROOT_CONTEXT, { traceparent: trace.traceparent }, api.defaultTextMapGetter)
        : api.ROOT_CONTEXT
      const contexts = new Map<string, import('@opentelemetry/api').Context>()
      for (const span of trace.spans) {
        const parent = span.parentId === undefined ? rootContext : (contexts.get(span.parentId) ?? rootContext)
        const attributes = span.kind === 'request' ? { ...span.attributes, 'optiproxy.request_id': trace.id } : span.attributes
        const otelSpan = tracer.startSpan(span.name, { kind: kindOf(span), startTime: span.startTime, attributes }, parent)
        for (const event of span.events) otelSpan.addEvent(event.name, event.attributes ?? {}, event.time)
        if (span.status === 'error') {
          const message = span.attributes['error.message']
          otelSpan.setStatus({ code: api.SpanStatusCode.ERROR, ...(typeof message === 'string' ? { message } : {}) })
        } else if (span.status === 'ok') otelSpan.setStatus({ code: api.SpanStatusCode.OK })
        otelSpan.end(span.endTime ?? trace.endTime ?? span.startTime)
        contexts.set(span.id, api.trace.setSpan(parent, otelSpan))
      }
    },
    async close() {
      await provider.shutdown()
    },
  }
}
