import { expect } from 'vitest'
import type { RequestTrace, TraceSpan } from '../../src/core/trace-span.js'

/**
 * Reads a trace from the proxy's API until it has finished (a response can reach the client a moment before its
 * trace is stored).
 * @example const trace = await waitForTrace(proxyUrl, 'req_1')
 */
export async function waitForTrace(baseUrl: string, id: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<RequestTrace> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/optiproxy/traces/${encodeURIComponent(id)}`, { headers })
    if (response.status === 200) {
      const trace = (await response.json()) as RequestTrace
      if (trace.status !== 'running') return trace
    }
    if (Date.now() > deadline) throw new Error(`trace ${id} did not finish (last status ${response.status})`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Checks the tree's shape: one request root, stages under it, steps under stages, upstream calls under a step
 * or a stage; each child inside its parent's time span; every span ended.
 */
export function expectWellFormedTree(trace: RequestTrace): void {
  const byId = new Map(trace.spans.map((span) => [span.id, span]))
  const roots = trace.spans.filter((span) => span.parentId === undefined)
  expect(roots).toHaveLength(1)
  expect(roots[0]?.kind).toBe('request')
  const allowedParents: Record<TraceSpan['kind'], Array<TraceSpan['kind']>> = {
    request: [],
    stage: ['request'],
    step: ['stage'],
    upstream_call: ['stage', 'step'],
  }
  for (const span of trace.spans) {
    expect(span.endTime, `${span.kind} ${span.name} ended`).toBeDefined()
    if (span.parentId === undefined) continue
    const parent = byId.get(span.parentId) as TraceSpan
    expect(parent, `parent of ${span.id}`).toBeDefined()
    expect(allowedParents[span.kind]).toContain(parent.kind)
    // children start after and end before their parent (1 ms of slack for the clocks' rounding)
    expect(span.startTime).toBeGreaterThanOrEqual(parent.startTime - 1)
    expect(span.endTime as number).toBeLessThanOrEqual((parent.endTime as number) + 1)
  }
}

/** The trace's upstream_call spans. */
export function listUpstreamCalls(trace: RequestTrace): TraceSpan[] {
  return trace.spans.filter((span) => span.kind === 'upstream_call')
}
