import { describe, expect, it } from 'vitest'
import type { Approach } from '../../src/core/approach.js'
import { approachRegistry } from '../../approaches/registry.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { RequestTrace } from '../../src/core/trace-span.js'
import { builtInApproachDefaults, startApproach } from '../../src/approach-runtime/run-approach.js'
import { createRoutingGroup } from '../../src/routing/create-routing-group.js'
import { createTracing } from '../../src/tracing/create-tracing.js'
import { createMemoryTraceStore } from '../../src/tracing/memory-trace-store.js'
import { createScriptedProvider, type ScriptedProvider } from '../helpers/scripted-provider.js'
import type { Provider } from '../../src/core/provider.js'
import { expectWellFormedTree, listUpstreamCalls } from '../helpers/traces.js'
import { judgedApproach } from '../helpers/judged-approach.js'

async function runTraced(provider: Provider, model: string, capturesText: boolean, optiproxy: Record<string, unknown> = {}): Promise<RequestTrace> {
  const finished: RequestTrace[] = []
  const tracing = createTracing({
    store: createMemoryTraceStore({ maxTraces: 10, maxBytes: 10 ** 7 }),
    capturesText,
    maxSpans: 2000,
    onError: (error) => {
      throw error
    },
  })
  tracing.subscribe((update) => update.type === 'finished' && finished.push(update.trace as unknown as RequestTrace))
  const registry = new Map<string, Approach<unknown>>([...approachRegistry, ['judged', judgedApproach as Approach<unknown>]])
  const started = startApproach(
    { provider, registry, defaultApproach: 'none', approachDefaults: builtInApproachDefaults, tracing },
    {
      request: { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2? Bearer abc.def.ghi' }] }], extra: {} },
      optiproxy,
      streaming: false,
    },
    { signal: new AbortController().signal, trace: { id: 'req_unit' } },
  )
  for await (const _event of started.events) void _event
  expect(finished).toHaveLength(1)
  const trace = await tracing.store.get('req_unit')
  await tracing.close()
  return trace as RequestTrace
}

describe('what the runtime records', () => {
  it('groups calls under their step labels and records ratings, the vote, the winner and notes', async () => {
    const provider = createScriptedProvider((call) => ({
      text: call.index < 2 ? 'The answer is 4' : 'Rating: 7',
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
    }))
    const trace = await runTraced(provider, 'judged-test-model', false)
    expectWellFormedTree(trace)
    expect(listUpstreamCalls(trace)).toHaveLength(provider.calls.length)
    const steps = trace.spans.filter((span) => span.kind === 'step')
    expect(steps.map((span) => span.name).sort()).toEqual(['candidate 0', 'candidate 1', 'rating 0', 'rating 1'])
    const candidate1 = steps.find((span) => span.name === 'candidate 1')
    expect(candidate1?.attributes).toMatchObject({ 'step.name': 'candidate', 'step.index': 1, rating: 9, winner: true })
    expect(steps.find((span) => span.name === 'candidate 0')?.attributes.winner).toBeUndefined()
    const stage = trace.spans.find((span) => span.kind === 'stage')
    expect(stage?.attributes).toMatchObject({ winner: 1, 'vote.counts': [2, 1] })
    // the vote's answers are model text: not kept without prompt logging
    expect(stage?.attributes['vote.answers']).toBeUndefined()
    expect(stage?.events.map((event) => event.name)).toEqual(['rating', 'rating', 'vote', 'note'])
    for (const call of listUpstreamCalls(trace)) expect(trace.spans.find((span) => span.id === call.parentId)?.kind).toBe('step')
    // the two candidates ran side by side: both started before either ended
    const [first, second] = listUpstreamCalls(trace)
    expect(second?.startTime as number).toBeLessThan(first?.endTime as number)
    expect(trace.promptTokens).toBe(40)
  })

  it('keeps message text, answers and vote answers with prompt logging on, redacted like logs', async () => {
    const provider = createScriptedProvider(() => 'The answer is 4, key sk-abcdefghijklmnopq')
    const trace = await runTraced(provider, 'judged-test-model', true)
    const call = listUpstreamCalls(trace)[0]
    expect(call?.attributes['gen_ai.input.messages']).toBe('user: What is 2+2? Bearer ***')
    expect(call?.attributes['gen_ai.output.text']).toBe('The answer is 4, key sk-***')
    expect(trace.spans.find((span) => span.kind === 'stage')?.attributes['vote.answers']).toEqual(['4', '5'])
  })

  it('records a budget cut-off as an event of the request span', async () => {
    const provider = createScriptedProvider(() => 'The answer is 4')
    const trace = await runTraced(provider, 'judged-test-model', false, { max_upstream_calls: 3 })
    expect(listUpstreamCalls(trace)).toHaveLength(provider.calls.length)
    const root = trace.spans[0]
    expect(root?.attributes['optiproxy.budget.cut_off']).toBe(true)
    expect(root?.events[0]).toMatchObject({ name: 'budget_exhausted', attributes: { 'optiproxy.budget': 'upstream-calls', 'optiproxy.budget.limit': 3 } })
    expect(trace.spans.find((span) => span.kind === 'stage')?.status).toBe('cancelled')
  })

  it("a routing group's failover is one upstream_call span per target tried", async () => {
    const failing = createScriptedProvider(() => {
      throw new ProxyError('overloaded', { status: 503, type: 'upstream_error', isRetryable: true })
    })
    const healthy: ScriptedProvider = createScriptedProvider(() => 'The answer is 4')
    const group = createRoutingGroup({
      id: 'smart',
      strategy: 'fallback',
      targets: [
        { provider: failing, providerId: 'first', model: 'm1', weight: 1 },
        { provider: healthy, providerId: 'second', model: 'm2', weight: 1 },
      ],
      failureThreshold: 3,
      cooldownMs: 1000,
    })
    const trace = await runTraced(group, 'none-smart', false)
    const calls = listUpstreamCalls(trace)
    expect(calls).toHaveLength(failing.calls.length + healthy.calls.length)
    expect(calls.map((call) => call.status)).toEqual(['error', 'ok'])
    expect(calls[0]?.attributes['http.response.status_code']).toBe(503)
    expect(calls[1]?.attributes).toMatchObject({ 'optiproxy.attempt': 2, 'optiproxy.failover_from': 'first/m1', 'optiproxy.target': 'second/m2' })
  })
})
