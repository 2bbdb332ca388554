import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/** An OTLP/JSON attribute value as the exporter writes it. */
type OtlpValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: OtlpValue[] } }

export interface CollectedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
}

export interface OtlpCollector {
  /** http://127.0.0.1:PORT, to use as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string
  spans: CollectedSpan[]
  /** Paths the exporter posted to. */
  paths: string[]
  close(): Promise<void>
}

function readValue(value: OtlpValue): unknown {
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(readValue)
  if (value.intValue !== undefined) return Number(value.intValue)
  return value.stringValue ?? value.doubleValue ?? value.boolValue
}

function readAttributes(attributes: Array<{ key: string; value: OtlpValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map((attribute) => [attribute.key, readValue(attribute.value)]))
}

/**
 * A test OpenTelemetry collector: an HTTP server on 127.0.0.1 that takes OTLP/HTTP JSON trace exports
 * (POST /v1/traces) and keeps their spans with attributes decoded.
 * @example const collector = await startOtlpCollector(); ...; expect(collector.spans).toHaveLength(3)
 */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = []
  const paths: string[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      paths.push(request.url ?? '')
      let body = Buffer.concat(chunks)
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      const json = JSON.parse(body.toString('utf8')) as {
        resourceSpans: Array<{
          resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }
          scopeSpans: Array<{ spans: Array<Omit<CollectedSpan, 'attributes' | 'resource'> & { attributes?: Array<{ key: string; value: OtlpValue }> }> }>
        }>
      }
      for (const resourceSpans of json.resourceSpans) {
        const resource = readAttributes(resourceSpans.resource?.attributes)
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({ ...span, ...(span.parentSpanId === '' ? { parentSpanId: undefined } : {}), attributes: readAttributes(span.attributes), resource })
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
