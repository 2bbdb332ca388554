import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const texts = (events: StreamEvent[], type: 'text-delta' | 'reasoning-delta') => events.filter((event) => event.type === type)

describe('approach runtime: usage, calls, fan-out, budgets, trace, isolation', () => {
  it('sums usage over every upstream call and counts the calls', async () => {
    const provider = createScriptedProvider(() => 'draft')
    const run = await runApproachDirectly(provider, { approach: 'moa' })
    expect(run.upstreamCalls).toBe(5)
    expect(provider.calls).toHaveLength(5)
    expect(run.result.usage).toEqual({ promptTokens: 50, completionTokens: 25, totalTokens: 75 })
    // exactly one usage event, at the end
    expect(run.events.filter((event) => event.type === 'usage')).toHaveLength(1)
    expect(run.events.at(-1)?.type).toBe('usage')
  })

  it('keeps reasoning tokens in the sum', async () => {
    const provider = createScriptedProvider(() => ({ text: 'x', usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7, reasoningTokens: 2 } }))
    const run = await runApproachDirectly(provider, { approach: 're2' })
    expect(run.result.usage).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7, reasoningTokens: 2 })
  })

  it('bounds the calls in flight by max_parallel_calls (and uses the bound)', async () => {
    const provider = createScriptedProvider(async () => {
      await nextTurn()
      return 'The answer is 4'
    })
    await runApproachDirectly(provider, { approach: 'self_consistency', optiproxy: { max_parallel_calls: 2, self_consistency: { k: 8 } } })
    expect(provider.calls).toHaveLength(8)
    expect(provider.maxInFlight).toBe(2)
    const wide = createScriptedProvider(async () => {
      await nextTurn()
      return 'The answer is 4'
    })
    await runApproachDirectly(wide, { approach: 'self_consistency', optiproxy: { self_consistency: { k: 8 } } })
    expect(wide.maxInFlight).toBe(4)
  })

  it('a call budget ends the run with the best answer so far and finish_reason length', async () => {
    const provider = createScriptedProvider((call) => (call.lastText.includes('Rating:') ? `Rating: ${call.index === 3 ? 9 : 1}` : `candidate ${call.index}`))
    const run = await runApproachDirectly(provider, { approach: 'bon', optiproxy: { max_upstream_calls: 4 } })
    expect(run.upstreamCalls).toBe(4)
    expect(provider.calls).toHaveLength(4)
    expect(run.result.choices[0]).toMatchObject({ text: 'candidate 0', finishReason: 'length' })
    expect(run.result.choices[0]?.reasoning).toContain('[budget]')
  })

  it('a token budget stops further calls once the total is reached', async () => {
    const provider = createScriptedProvider((call) => `proposal ${call.index}`)
    const run = await runApproachDirectly(provider, { approach: 'moa', optiproxy: { max_total_tokens: 30 } })
    // three proposals were admitted together (0 tokens used then); the critique is refused at 45 >= 30
    expect(provider.calls).toHaveLength(3)
    expect(run.result.choices[0]).toMatchObject({ text: 'proposal 0', finishReason: 'length' })
    expect(run.result.usage?.totalTokens).toBe(45)
  })

  it('a client abort mid-run cancels every call in flight', async () => {
    const provider = createScriptedProvider(() => ({ hang: true }))
    const controller = new AbortController()
    const running = runApproachDirectly(provider, { approach: 'self_consistency', signal: controller.signal })
    while (provider.calls.length < 4) await nextTurn()
    controller.abort()
    await expect(running).rejects.toThrow()
    expect(provider.calls).toHaveLength(4)
    expect(provider.calls.every((call) => call.aborted)).toBe(true)
    expect(provider.inFlight).toBe(0)
  })

  it('two concurrent requests with different options do not influence each other', async () => {
    const gate = (call: { lastText: string }) => nextTurn().then(() => (call.lastText.includes('Rating: N') ? 'Rating: 7' : 'The answer is 4'))
    const small = createScriptedProvider(gate)
    const large = createScriptedProvider(gate)
    await Promise.all([
      runApproachDirectly(small, { approach: 'bon', optiproxy: { bon: { n: 2, temperature: 0.3 }, max_parallel_calls: 1 } }),
      runApproachDirectly(large, { approach: 'bon', optiproxy: { bon: { n: 5 } } }),
    ])
    expect(small.calls).toHaveLength(4)
    expect(small.maxInFlight).toBe(1)
    expect(small.calls.slice(0, 2).map((call) => call.request.temperature)).toEqual([0.3, 0.3])
    expect(large.calls).toHaveLength(10)
    expect(large.calls.slice(0, 5).map((call) => call.request.temperature)).toEqual([1, 1, 1, 1, 1])
  })

  it('trace on: intermediate work as reasoning before the answer; trace off: none', async () => {
    const provider = createScriptedProvider((call) => `text ${call.index}`)
    const traced = await runApproachDirectly(provider, { approach: 'moa', streaming: true })
    const firstText = traced.events.findIndex((event) => event.type === 'text-delta')
    expect(texts(traced.events, 'reasoning-delta').length).toBeGreaterThan(0)
    expect(traced.events.slice(firstText).some((event) => event.type === 'reasoning-delta')).toBe(false)
    expect(traced.result.choices[0]?.reasoning).toContain('[critique]')
    const quiet = await runApproachDirectly(
      createScriptedProvider(() => 'x'),
      { approach: 'moa', optiproxy: { trace: false } },
    )
    expect(texts(quiet.events, 'reasoning-delta')).toHaveLength(0)
  })

  it('streams the final step token by token from the upstream', async () => {
    const provider = createScriptedProvider((call) => (call.index === 4 ? 'one two three four' : 'draft'))
    const run = await runApproachDirectly(provider, { approach: 'moa', streaming: true })
    expect(provider.calls.map((call) => call.kind)).toEqual(['generate', 'generate', 'generate', 'generate', 'stream'])
    expect(texts(run.events, 'text-delta').map((event) => (event as { delta: string }).delta)).toEqual(['one ', 'two ', 'three ', 'four'])
    expect(run.result.choices[0]?.text).toBe('one two three four')
  })

  it('n runs the approach n times, one choice each; none passes n to the upstream in one call', async () => {
    const provider = createScriptedProvider((call) => (call.lastText.includes('Rating:') ? 'Rating: 5' : 'cand'))
    const run = await runApproachDirectly(provider, { approach: 'bon', n: 2 })
    expect(run.result.choices.map((choice) => choice.text)).toEqual(['cand', 'cand'])
    expect(provider.calls).toHaveLength(12)
    expect(provider.calls.every((call) => call.request.n === undefined)).toBe(true)
    const plain = createScriptedProvider(() => 'x')
    await runApproachDirectly(plain, { approach: 'none', n: 3 })
    expect(plain.calls.map((call) => call.request.n)).toEqual([3])
  })

  it('bad options, unknown keys and unknown slugs are 400s before any call; timeouts is reserved', async () => {
    const provider = createScriptedProvider(() => 'x')
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { bon: { n: 0 } } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.bon.n',
    })
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { bon: { m: 1 } } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.bon',
    })
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { bestof: {} } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.bestof',
    })
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { max_upstream_calls: 0 } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.max_upstream_calls',
    })
    // the configured budget (64) and fan-out limit (4) are ceilings a request cannot raise
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { max_upstream_calls: 65 } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.max_upstream_calls',
      message: expect.stringContaining('(64, set by --approach-max-upstream-calls)'),
    })
    await expect(runApproachDirectly(provider, { approach: 'bon', optiproxy: { max_parallel_calls: 5 } })).rejects.toMatchObject({
      status: 400,
      param: 'optiproxy.max_parallel_calls',
    })
    await expect(runApproachDirectly(provider, { approach: 'bon&magic' })).rejects.toMatchObject({
      status: 400,
      code: 'unknown_approach',
      message: expect.stringContaining("Unknown approach 'magic' in 'bon&magic'. Known approaches: none, bon,"),
    })
    await expect(runApproachDirectly(provider, { approach: 'bon&moa|re2' })).rejects.toMatchObject({ status: 400, code: 'invalid_approach' })
    expect(provider.calls).toHaveLength(0)
    await runApproachDirectly(provider, { approach: 're2', optiproxy: { timeouts: { total_ms: 1000 } } })
    expect(provider.calls).toHaveLength(1)
  })
})

describe('composition', () => {
  it('& runs a pipeline: each stage refines the previous answer, keeping the original conversation', async () => {
    const provider = createScriptedProvider((call) => `answer ${call.index}`)
    const run = await runApproachDirectly(provider, { approach: 're2&re2&re2', question: 'Q?' })
    expect(provider.calls).toHaveLength(3)
    // the question stays the last user turn; the previous stage's answer follows it inside that turn, marked as a draft
    const second = provider.calls[1]?.request.messages ?? []
    expect(second).toHaveLength(1)
    expect(second[0]?.role).toBe('user')
    expect(second[0]?.content[0]).toEqual({ type: 'text', text: 'Q?' })
    expect(provider.calls[1]?.lastText).toContain('--- draft answer from an earlier pass ---\nanswer 0\n--- end of draft ---')
    expect(provider.calls[1]?.lastText).toContain('is a draft answer to this question from an earlier pass')
    expect(provider.calls[1]?.lastText).toContain('Read the question again: Q?')
    expect(provider.calls[2]?.lastText).toContain('answer 1')
    expect(provider.calls[2]?.lastText).not.toContain('answer 0')
    expect(run.result.choices).toHaveLength(1)
    expect(run.result.choices[0]?.text).toBe('answer 2')
    expect(run.result.choices[0]?.reasoning).toContain('[stage 2/3: re2]')
  })

  it('| runs branches in parallel, one choice per approach (n choices each with n)', async () => {
    const provider = createScriptedProvider((call) =>
      call.lastText.includes('Rating:') ? 'Rating: 5' : call.lastText.includes('Read the question again') ? 're-read' : 'The answer is 4',
    )
    const run = await runApproachDirectly(provider, { approach: 're2|self_consistency', n: 2 })
    expect(run.result.choices.map((choice) => choice.text)).toEqual(['re-read', 're-read', 'The answer is 4', 'The answer is 4'])
    expect(run.upstreamCalls).toBe(2 + 10)
  })

  it('a model prefix may be a combination', async () => {
    const provider = createScriptedProvider(() => 'x')
    const run = await runApproachDirectly(provider, { approach: 'auto', request: { model: 're2|none-gpt-4o' } })
    expect(run.result.choices).toHaveLength(2)
    expect(provider.calls.map((call) => call.request.model)).toEqual(['gpt-4o', 'gpt-4o'])
  })
})

describe('tool-bearing requests', () => {
  const tools = [{ name: 'get_weather', parameters: { type: 'object' } }]
  it('with tools offered, any approach passes through as one call with the tools', async () => {
    const provider = createScriptedProvider(() => 'x')
    await runApproachDirectly(provider, { approach: 'bon', request: { tools } })
    expect(provider.calls).toHaveLength(1)
    expect(provider.calls[0]?.request.tools).toEqual(tools)
  })

  it("with tool_choice 'none', the tools are removed and the approach runs", async () => {
    const provider = createScriptedProvider((call) => (call.lastText.includes('Rating:') ? 'Rating: 5' : 'x'))
    await runApproachDirectly(provider, { approach: 'bon', request: { tools, toolChoice: 'none' } })
    expect(provider.calls).toHaveLength(6)
    expect(provider.calls.every((call) => call.request.tools === undefined && call.request.toolChoice === undefined)).toBe(true)
  })
})

describe('cancellation as the provider reports it', () => {
  it('a provider that turns an abort into its own error still ends the run (no carrying on with partial results)', async () => {
    const base = createScriptedProvider((call) => (call.index === 0 ? 'The answer is 4' : { hang: true }))
    const provider = {
      ...base,
      calls: base.calls,
      // like the openai-compatible provider: an aborted call fails with a 499 ProxyError, not the AbortError
      generate: (request: Parameters<typeof base.generate>[0], options: Parameters<typeof base.generate>[1]) =>
        base.generate(request, options).catch(() => {
          throw new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled' })
        }),
    } as typeof base
    const controller = new AbortController()
    const running = runApproachDirectly(provider, { approach: 'self_consistency', signal: controller.signal })
    while (base.calls.length < 4) await nextTurn()
    controller.abort()
    await expect(running).rejects.toMatchObject({ name: 'AbortError' })
  })
})
