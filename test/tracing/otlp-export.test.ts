import { describe, expect, it } from 'vitest'
import { buildChatCompletion } from '../helpers/mock-openai-upstream.js'
import { startOtlpCollector } from '../helpers/otlp-collector.js'
import { startProxyUnderTest } from '../helpers/start-proxy.js'
import { waitForTrace } from '../helpers/traces.js'

const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const clientSpanId = '00f067aa0ba902b7'

describe('OpenTelemetry export over OTLP/HTTP', () => {
  it('sends every span with the GenAI attributes to the collector, continuing the client traceparent', async () => {
    const collector = await startOtlpCollector()
    const t = await startProxyUnderTest({ otelEndpoint: collector.url, otelServiceName: 'optiproxy-test' })
    try {
      t.upstream.setHandler(() => ({
        kind: 'json' as const,
        body: buildChatCompletion({ content: 'The answer is 4', usage: { promptTokens: 12, completionTokens: 8 } }),
      }))
      await t.client.chat.completions.create(
        { model: 'bon-gpt-4o-mini', messages: [{ role: 'user', content: 'What is 2+2?' }] },
        { headers: { 'x-request-id': 'req_otel_1', traceparent: `00-${clientTraceId}-${clientSpanId}-01` } },
      )
      const trace = await waitForTrace(t.proxy.url, 'req_otel_1')
      await t.close()
      // the proxy flushed its batch at shutdown
      expect(collector.paths.every((path) => path === '/v1/traces')).toBe(true)
      expect(collector.spans).toHaveLength(trace.spans.length)
      expect(new Set(collector.spans.map((span) => span.traceId))).toEqual(new Set([clientTraceId]))
      const root = collector.spans.find((span) => span.attributes['optiproxy.request_id'] === 'req_otel_1')
      expect(root?.parentSpanId).toBe(clientSpanId)
      expect(root?.kind).toBe(2) // SERVER
      expect(root?.resource['service.name']).toBe('optiproxy-test')
      const calls = collector.spans.filter((span) => span.name === 'chat gpt-4o-mini')
      expect(calls).toHaveLength(t.upstream.requests.length)
      for (const call of calls) {
        expect(call.kind).toBe(3) // CLIENT
        expect(call.attributes).toMatchObject({
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.provider.name': 'openai',
          'gen_ai.usage.input_tokens': 12,
          'gen_ai.usage.output_tokens': 8,
          'gen_ai.response.finish_reasons': ['stop'],
        })
        // each call hangs under its step span (a candidate or a rating of bon), under the stage span, under the request span
        const step = collector.spans.find((span) => span.spanId === call.parentSpanId)
        expect(['candidate', 'rating']).toContain(step?.attributes['step.name'])
        const stage = collector.spans.find((span) => span.spanId === step?.parentSpanId)
        expect(stage?.parentSpanId).toBe(root?.spanId)
      }
    } finally {
      await collector.close()
    }
  })

  it('without a traceparent the request span starts a trace of its own', async () => {
    const collector = await startOtlpCollector()
    const t = await startProxyUnderTest({ otelEndpoint: collector.url })
    try {
      await t.client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': 'req_otel_2', traceparent: 'garbage' } },
      )
      await waitForTrace(t.proxy.url, 'req_otel_2')
      await t.close()
      const root = collector.spans.find((span) => span.attributes['optiproxy.request_id'] === 'req_otel_2')
      expect(root?.parentSpanId).toBeUndefined()
      expect(root?.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(collector.spans.every((span) => span.traceId === root?.traceId)).toBe(true)
    } finally {
      await collector.close()
    }
  })
})
