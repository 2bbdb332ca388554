import { describe, expect, it } from 'vitest'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider, type ScriptedCall } from '../helpers/scripted-provider.js'

const isSelection = (call: ScriptedCall): boolean => call.lastText.includes('"Best: N"')
const isComparison = (call: ScriptedCall): boolean => call.lastText.includes('[Response A]')

describe('genselect', () => {
  it('n candidates, one selection per order; agreement picks the candidate: n + 2 calls', async () => {
    const provider = createScriptedProvider((call) => {
      if (!isSelection(call)) return `candidate ${call.index}`
      // candidate 2 (drafting order) is first in the forward listing at position 3, in the reversed one at position 2
      return call.lastText.indexOf('[Candidate 1]\ncandidate 0') >= 0 ? 'Candidate 3 is right. Best: 3' : 'Best: 2'
    })
    const run = await runApproachDirectly(provider, { approach: 'genselect' })
    expect(provider.calls).toHaveLength(6)
    expect(provider.calls.slice(0, 4).every((call) => call.request.temperature === 0.7)).toBe(true)
    const selections = provider.calls.filter(isSelection)
    expect(selections).toHaveLength(2)
    expect(selections.every((call) => call.request.temperature === 0)).toBe(true)
    expect(run.result.choices[0]?.text).toBe('candidate 2')
  })

  it('disagreeing selections: the two picks meet in a comparison asked in both orders', async () => {
    const provider = createScriptedProvider((call) => {
      if (isComparison(call)) return call.lastText.includes('[Response A]\ncandidate 1') ? 'Verdict: A' : 'Verdict: B'
      if (isSelection(call)) return call.lastText.indexOf('[Candidate 1]\ncandidate 0') >= 0 ? 'Best: 1' : 'Best: 2'
      return `candidate ${call.index}`
    })
    const run = await runApproachDirectly(provider, { approach: 'genselect', optiproxy: { genselect: { n: 3 } } })
    // forward picks candidate 0, reversed (2, 1, 0) picks candidate 1: the comparison prefers candidate 1 in both orders
    expect(provider.calls.filter(isComparison)).toHaveLength(2)
    expect(provider.calls).toHaveLength(3 + 2 + 2)
    expect(run.result.choices[0]?.text).toBe('candidate 1')
  })
})

describe('deepthink', () => {
  const structureSteps = (call: ScriptedCall): string | undefined =>
    call.lastText.includes('Reasoning modules:')
      ? 'modules 2 and 9'
      : call.lastText.includes('Rephrase each selected')
        ? 'adapted'
        : call.lastText.includes('Turn them into')
          ? '1. add 2. check'
          : undefined

  it('select, adapt, structure, then samples that agree: 3 + k calls, the agreeing sample returned', async () => {
    const replies = ['so Answer: 42', 'Answer: 42', 'Answer: 41']
    let sample = 0
    const provider = createScriptedProvider((call) => structureSteps(call) ?? (replies[sample++] as string))
    const run = await runApproachDirectly(provider, { approach: 'deepthink', question: 'What is 40 + 2?' })
    expect(provider.calls).toHaveLength(6)
    expect(provider.calls[1]?.lastText).toContain('modules 2 and 9')
    expect(provider.calls[2]?.lastText).toContain('adapted')
    expect(provider.calls.slice(3).every((call) => call.lastText.includes('1. add 2. check') && call.request.temperature === 0.7)).toBe(true)
    expect(run.result.choices[0]?.text).toBe('so Answer: 42')
    expect(run.result.choices[0]?.reasoning).toContain('[confidence] 2/3 agree on 42')
  })

  it('samples that disagree fall to one greedy pass, streamed: 3 + k + 1 calls', async () => {
    const replies = ['Answer: 1', 'Answer: 2', 'Answer: 3']
    let sample = 0
    const provider = createScriptedProvider((call) => structureSteps(call) ?? (call.kind === 'stream' ? 'Greedy Answer: 2' : (replies[sample++] as string)))
    const run = await runApproachDirectly(provider, { approach: 'deepthink', streaming: true })
    expect(provider.calls).toHaveLength(7)
    expect(provider.calls[6]).toMatchObject({ kind: 'stream', request: { temperature: 0 } })
    expect(run.result.choices[0]?.text).toBe('Greedy Answer: 2')
  })
})
