import { describe, expect, it } from 'vitest'
import { approachRegistry } from '../../approaches/registry.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
// the plugins readurls, memory and mcp make one call when there is nothing to fetch, select or call (no URL, a short
// input, no MCP server); executecode and z3 run here without a sandbox or solver (one plain call); privacy wraps `none`
// by default; spl learns only when configured
const singleCall = new Set(['none', 're2', 'cot_reflection', 'readurls', 'memory', 'mcp', 'executecode', 'z3', 'privacy', 'spl'])
const multiCall = [...approachRegistry.keys()].filter((slug) => !singleCall.has(slug))
/** Replies that keep every approach going (a plan with steps, no worked examples, a passing score). */
const keepGoing = (lastText: string, index: number): string =>
  /Rating: N|Score: N/.test(lastText)
    ? 'Score: 9'
    : lastText.includes('numbered list, one step per line')
      ? '1. a\n2. b'
      : lastText.includes('JSON array')
        ? '[{"input":"1+1","output":"2"}]'
        : `reply ${index}: the answer is 4`

describe.each(multiCall)('%s under limits', (slug) => {
  it('a budget of one upstream call ends it after that call with finish_reason length', async () => {
    const provider = createScriptedProvider((call) => keepGoing(call.lastText, call.index))
    const run = await runApproachDirectly(provider, { approach: slug, optiproxy: { max_upstream_calls: 1 } })
    expect(provider.calls).toHaveLength(1)
    expect(run.upstreamCalls).toBe(1)
    expect(run.result.choices).toHaveLength(1)
    expect(run.result.choices[0]?.finishReason).toBe('length')
    expect(run.result.usage?.totalTokens).toBe(15)
  })

  it('a client abort mid-run cancels every call in flight and starts no new one', async () => {
    const provider = createScriptedProvider((call) => (call.index === 0 && slug !== 'rto' ? keepGoing(call.lastText, call.index) : { hang: true }))
    const controller = new AbortController()
    const running = runApproachDirectly(provider, { approach: slug, signal: controller.signal })
    while (provider.inFlight === 0) await nextTurn()
    const started = provider.calls.length
    controller.abort()
    await expect(running).rejects.toThrow()
    await nextTurn()
    expect(provider.calls).toHaveLength(started)
    expect(provider.inFlight).toBe(0)
    expect(provider.calls.filter((call) => call.aborted).length).toBeGreaterThan(0)
  })
})

describe.each([...singleCall])('%s under limits', (slug) => {
  it('one call fits a budget of one', async () => {
    const provider = createScriptedProvider(() => 'the answer is 4')
    const run = await runApproachDirectly(provider, { approach: slug, optiproxy: { max_upstream_calls: 1 } })
    expect(provider.calls).toHaveLength(1)
    expect(run.result.choices[0]?.finishReason).toBe('stop')
  })
})
