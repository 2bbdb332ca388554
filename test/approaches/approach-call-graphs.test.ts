import { describe, expect, it } from 'vitest'
import { createOutputSplitter } from '../../approaches/cot_reflection/split-output-section.js'
import { extractFinalAnswer, voteOnAnswers } from '../../approaches/shared/answers.js'
import type { Message } from '../../src/core/message.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider, type ScriptedCall } from '../helpers/scripted-provider.js'

const textOf = (message: Message | undefined): string =>
  message === undefined ? '' : typeof message.content === 'string' ? message.content : message.content.map((part) => ('text' in part ? part.text : '')).join('')
const previousAnswer = (call: ScriptedCall): string => textOf(call.request.messages.at(-2))

describe('bon', () => {
  it('drafts n candidates concurrently at temperature 1, rates each at 0, returns the best-rated', async () => {
    const provider = createScriptedProvider((call) =>
      call.lastText.includes('Rating: N') ? (previousAnswer(call) === 'cand 1' ? 'Rating: 9' : 'Rating: 3') : `cand ${call.index}`,
    )
    const run = await runApproachDirectly(provider, { approach: 'bon' })
    expect(provider.calls).toHaveLength(6)
    expect(provider.calls.map((call) => call.request.temperature)).toEqual([1, 1, 1, 0, 0, 0])
    expect(provider.calls.slice(0, 3).map((call) => call.inFlightAtStart)).toEqual([1, 2, 3])
    expect(provider.calls.slice(3).map(previousAnswer)).toEqual(['cand 0', 'cand 1', 'cand 2'])
    expect(run.result.choices[0]).toMatchObject({ text: 'cand 1', finishReason: 'stop' })
  })

  it('judge pairwise: the incumbent meets each challenger in both orders; position bias alone never crowns a winner', async () => {
    // the judge prefers "cand 2" in either position; otherwise it always names Response A (pure position bias)
    const provider = createScriptedProvider((call) => {
      if (!call.lastText.includes('Verdict: A')) return `cand ${call.index}`
      const b = /\[Response B\]\n(.*)\n/.exec(call.lastText)?.[1]
      return b === 'cand 2' ? 'Verdict: B' : 'Verdict: A'
    })
    const run = await runApproachDirectly(provider, { approach: 'bon', optiproxy: { bon: { judge: 'pairwise' } } })
    // 3 candidates, then (0 vs 1) in both orders: a tie keeps 0; (0 vs 2) in both orders: 2 wins
    expect(provider.calls).toHaveLength(3 + 4)
    expect(provider.calls.slice(3).every((call) => call.request.temperature === 0)).toBe(true)
    expect(run.result.choices[0]?.text).toBe('cand 2')
  })
})

describe('self_consistency and majority_voting', () => {
  it('self_consistency: k samples, normalised answers, majority vote, first winning sample returned', async () => {
    const replies = ['so the answer is 4.', 'The answer is 5', 'Answer: 4.0', '\\boxed{6}', '... total 4']
    const provider = createScriptedProvider((call) => replies[call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'self_consistency' })
    expect(provider.calls).toHaveLength(5)
    expect(provider.calls.every((call) => call.request.temperature === 1)).toBe(true)
    expect(run.result.choices[0]?.text).toBe('so the answer is 4.')
    expect(run.result.choices[0]?.reasoning).toContain('[vote] 4: 3, 5: 1, 6: 1')
  })

  it('majority_voting: asks for an Answer line, k=6 at temperature 0.6, votes on it', async () => {
    const replies = ['Answer: B', 'Answer: A', 'answer: b', 'Answer: A', 'Answer: B.', 'Answer: C']
    const provider = createScriptedProvider((call) => replies[call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'majority_voting' })
    expect(provider.calls).toHaveLength(6)
    expect(provider.calls.every((call) => call.request.temperature === 0.6 && call.lastText.includes('"Answer: <answer>"'))).toBe(true)
    expect(run.result.choices[0]?.text).toBe('Answer: B')
  })

  it('answer extraction normalises numbers and text', () => {
    expect(extractFinalAnswer('the answer is $1,200.50.')).toBe('1200.5')
    expect(extractFinalAnswer('x \\boxed{\\frac{1}{2}} y')).toBe('0.5')
    expect(extractFinalAnswer('no digits here')).toBeUndefined()
    expect(voteOnAnswers(['7', 'no', '8', '8', '7'])).toEqual({
      answer: '7',
      sampleIndex: 0,
      tally: [
        ['7', 2],
        ['8', 2],
        ['no', 1],
      ],
    })
  })
})

describe('moa', () => {
  it('3 proposals concurrently, one critique of all, a streamed synthesis that sees the critique', async () => {
    const provider = createScriptedProvider((call) => (call.index < 3 ? `proposal ${call.index}` : call.index === 3 ? 'critique text' : 'final synthesis'))
    const run = await runApproachDirectly(provider, { approach: 'moa', streaming: true })
    expect(provider.calls.map((call) => call.kind)).toEqual(['generate', 'generate', 'generate', 'generate', 'stream'])
    expect(provider.calls.slice(0, 3).map((call) => call.request.temperature)).toEqual([1, 1, 1])
    expect(['proposal 0', 'proposal 1', 'proposal 2'].every((text) => provider.calls[3]?.lastText.includes(text))).toBe(true)
    expect(provider.calls[4]?.lastText).toContain('critique text')
    expect(run.result.choices[0]?.text).toBe('final synthesis')
  })
})

describe('cot_reflection', () => {
  it('one call; the <output> section is the answer (streamed), thinking and reflection are the trace', async () => {
    const provider = createScriptedProvider(() => '<thinking>two plus two</thinking> <reflection>checked</reflection> <output>It is 4.</output>')
    const run = await runApproachDirectly(provider, { approach: 'cot_reflection', streaming: true })
    expect(provider.calls).toHaveLength(1)
    expect(provider.calls[0]?.request.messages[0]).toMatchObject({ role: 'system' })
    expect(run.result.choices[0]?.text).toBe('It is 4.')
    expect(run.result.choices[0]?.reasoning).toContain('checked')
    expect(run.result.choices[0]?.finishReason).toBe('stop')
  })

  it('splits tags cut across chunks; without an output section the whole reply is the answer', async () => {
    const splitter = createOutputSplitter()
    let output = ''
    for (const char of 'a<output>xyz</output>b') output += splitter.push(char).output
    output += splitter.end().output
    expect(output).toBe('xyz')
    const run = await runApproachDirectly(
      createScriptedProvider(() => 'plain answer'),
      { approach: 'cot_reflection' },
    )
    expect(run.result.choices[0]?.text).toBe('plain answer')
  })
})

describe('re2', () => {
  it('one call that states the question twice', async () => {
    const provider = createScriptedProvider(() => '4')
    await runApproachDirectly(provider, { approach: 're2', question: 'What is 2+2?' })
    expect(provider.calls).toHaveLength(1)
    expect(provider.calls[0]?.lastText).toBe('What is 2+2?\n\n\nRead the question again: What is 2+2?')
  })
})

describe('rto', () => {
  it('answer, reconstructed request, second answer; equal answers end after 3 calls', async () => {
    const provider = createScriptedProvider((call) => (call.index === 1 ? 'Add two and two.' : '4'))
    const run = await runApproachDirectly(provider, { approach: 'rto' })
    expect(provider.calls).toHaveLength(3)
    expect(provider.calls[2]?.lastText).toBe('Add two and two.')
    expect(run.result.choices[0]?.text).toBe('4')
  })

  it('different answers are reconciled in a fourth, streamed call', async () => {
    const provider = createScriptedProvider((call) => ['A1', 'request', 'B2', 'reconciled'][call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'rto', streaming: true })
    expect(provider.calls.map((call) => call.kind)).toEqual(['generate', 'generate', 'generate', 'stream'])
    expect(provider.calls[3]?.lastText).toContain('A1')
    expect(provider.calls[3]?.lastText).toContain('B2')
    expect(run.result.choices[0]?.text).toBe('reconciled')
  })
})

describe('leap', () => {
  it('no examples: extraction then the answer (2 calls)', async () => {
    const provider = createScriptedProvider((call) => (call.index === 0 ? '[]' : 'answer'))
    const run = await runApproachDirectly(provider, { approach: 'leap' })
    expect(provider.calls).toHaveLength(2)
    expect(run.result.choices[0]?.text).toBe('answer')
  })

  it('with examples: attempts, principles, then the answer with the principles as a system message', async () => {
    const provider = createScriptedProvider((call) => ['[{"input":"3+3","output":"6"}]', '1. 7', 'Principle: add carefully', 'final'][call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'leap', question: 'Example: 3+3 -> 6. Now: 2+2?' })
    expect(provider.calls).toHaveLength(4)
    expect(provider.calls[1]?.lastText).toContain('3+3')
    expect(provider.calls[2]?.lastText).toContain('1. 7')
    expect(provider.calls[2]?.lastText).toContain('6')
    expect(provider.calls[3]?.request.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('Principle: add carefully') })
    expect(run.result.choices[0]?.text).toBe('final')
  })
})

describe('plansearch', () => {
  it('observations, derived observations, plan, solution: 4 calls in order, each built on the last', async () => {
    const provider = createScriptedProvider((call) => ['obs', 'derived', 'the plan', 'solution'][call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'plansearch' })
    expect(provider.calls).toHaveLength(4)
    expect(provider.calls[1]?.lastText).toContain('obs')
    expect(provider.calls[2]?.lastText).toContain('derived')
    expect(provider.calls[3]?.lastText).toContain('the plan')
    expect(run.result.choices[0]?.text).toBe('solution')
  })
})

describe('pvg', () => {
  it('each round: helpful and sneaky drafts, a verifier score for each; the best helpful solution wins', async () => {
    const provider = createScriptedProvider((call) => {
      const system = textOf(call.request.messages[0])
      if (call.request.messages[0]?.role === 'system') return system.includes('sneaky') ? `sneaky ${call.index}` : `helpful ${call.index}`
      if (call.lastText.includes('sneaky')) return 'Score: 10'
      return call.lastText.includes('helpful 2\n') ? 'Score: 8' : 'Score: 5'
    })
    const run = await runApproachDirectly(provider, { approach: 'pvg' })
    expect(provider.calls).toHaveLength(24)
    // round 2's provers see round 1's best helpful solution
    expect(provider.calls[12]?.lastText).toContain('helpful 2')
    expect(run.result.choices[0]?.text).toBe('helpful 2')
  })
})

describe('mcts', () => {
  it('defaults: 3 drafts, 3 ratings, then the best child is re-rated; the highest-valued path is returned', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Rating: N')) return previousAnswer(call) === 'draft 1' ? 'Rating: 9' : 'Rating: 2'
      return `draft ${call.index}`
    })
    const run = await runApproachDirectly(provider, { approach: 'mcts' })
    expect(provider.calls).toHaveLength(7)
    expect(provider.calls.slice(0, 3).map((call) => call.request.temperature)).toEqual([1, 1, 1])
    expect(provider.calls[6]?.lastText).toContain('Rating: N')
    expect(previousAnswer(provider.calls[6] as ScriptedCall)).toBe('draft 1')
    expect(run.result.choices[0]?.text).toBe('draft 1')
  })

  it('depth 2 expands the best answer with refinements', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Rating: N'))
        return previousAnswer(call) === 'draft 0' || previousAnswer(call).startsWith('refined') ? 'Rating: 8' : 'Rating: 1'
      return call.lastText.includes('Improve the answer above') ? `refined ${call.index}` : `draft ${call.index}`
    })
    const run = await runApproachDirectly(provider, { approach: 'mcts', optiproxy: { mcts: { depth: 2, expansions: 2 } } })
    expect(provider.calls).toHaveLength(8)
    expect(previousAnswer(provider.calls[4] as ScriptedCall)).toBe('draft 0')
    expect(run.result.choices[0]?.text).toMatch(/^refined/)
  })
})

describe('decompose', () => {
  it('a numbered plan, each step solved in order with earlier results in context, then a synthesis', async () => {
    const provider = createScriptedProvider((call) => ['1. find a\n2. find b', 'a = 1', 'b = 2', 'a + b = 3'][call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'decompose', streaming: true })
    expect(provider.calls).toHaveLength(4)
    expect(provider.calls[1]?.lastText).toContain('step 1 now: find a')
    expect(provider.calls[2]?.request.messages.map(textOf)).toContain('a = 1')
    expect(provider.calls[3]?.kind).toBe('stream')
    expect(run.result.choices[0]?.text).toBe('a + b = 3')
    expect(run.result.choices[0]?.reasoning).toContain('[step 2 result]')
  })
})

describe('cepo', () => {
  it('defaults: 3 candidates × (3 plan+solve proposals, refine, final) concurrently, then 3 ratings; the best-rated wins', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Rating: N'))
        return previousAnswer(call).startsWith('final') && previousAnswer(call).endsWith('#2') ? 'Rating: 9' : 'Rating: 4'
      if (call.lastText.includes('Solve the problem by following this plan')) return `final #${call.lastText.match(/refined (\d)/)?.[1] ?? '?'}`
      if (call.lastText.includes('refined, corrected step-by-step plan'))
        return `refined ${provider.calls.filter((entry) => entry.lastText.includes('refined, corrected')).length}`
      return call.lastText.includes('Carry out the plan') ? 'solution' : 'plan'
    })
    const run = await runApproachDirectly(provider, { approach: 'cepo' })
    expect(provider.calls).toHaveLength(27)
    expect(provider.calls.filter((call) => call.lastText.includes('Carry out the plan'))).toHaveLength(9)
    expect(provider.calls.filter((call) => call.lastText.includes('Rating: N')).every((call) => call.request.temperature === 0)).toBe(true)
    expect(run.result.choices[0]?.text).toBe('final #2')
  })

  it('a proposal cut off by the token limit is planned again (within planning_m)', async () => {
    let cut = false
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Carry out the plan') && !cut) {
        cut = true
        return { text: 'partial', finishReason: 'length' }
      }
      return call.lastText.includes('Rating: N') ? 'Rating: 5' : 'x'
    })
    await runApproachDirectly(provider, { approach: 'cepo', optiproxy: { cepo: { bestofn_n: 1, planning_n: 2 } } })
    // 2 proposals (one retried: +2) + refine + final + 1 rating
    expect(provider.calls).toHaveLength(2 * 2 + 2 + 2 + 1)
  })

  it('planning_m below planning_n is a 400', async () => {
    await expect(
      runApproachDirectly(
        createScriptedProvider(() => 'x'),
        { approach: 'cepo', optiproxy: { cepo: { planning_n: 4, planning_m: 2 } } },
      ),
    ).rejects.toMatchObject({ status: 400, param: 'optiproxy.cepo.planning_m' })
  })
})

describe('mars', () => {
  it('agents at diverse temperatures, two verifications each, a streamed aggregation of the verified solutions', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Score: N')) return 'Score: 9'
      if (call.lastText.includes('Combine them into one final answer')) return 'aggregated answer'
      return `solution t=${call.request.temperature}`
    })
    const run = await runApproachDirectly(provider, { approach: 'mars', streaming: true })
    expect(provider.calls).toHaveLength(10)
    expect(provider.calls.slice(0, 3).map((call) => call.request.temperature)).toEqual([0.3, 0.6, 1])
    expect(provider.calls[9]?.kind).toBe('stream')
    expect(['t=0.3', 't=0.6', 't=1'].every((text) => provider.calls[9]?.lastText.includes(text))).toBe(true)
    expect(run.result.choices[0]?.text).toBe('aggregated answer')
  })

  it('a solution that fails verification is improved with the findings and verified again; failures stay out of the aggregate', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Score: N')) return call.lastText.includes('t=1') ? 'wrong step 2. Score: 3' : 'Score: 9'
      if (call.lastText.includes("reviewer's findings")) return 'improved t=1'
      if (call.lastText.includes('Combine them')) return 'aggregated'
      return `solution t=${call.request.temperature}`
    })
    await runApproachDirectly(provider, { approach: 'mars' })
    expect(provider.calls).toHaveLength(13)
    const improve = provider.calls.find((call) => call.lastText.includes("reviewer's findings"))
    expect(improve?.lastText).toContain('wrong step 2')
    const aggregate = provider.calls.at(-1) as ScriptedCall
    expect(aggregate.lastText).not.toContain('t=1')
    expect(aggregate.lastText).toContain('t=0.3')
  })
})

describe('rstar', () => {
  it('rollouts grow steps to a finish at max_depth, each finished solution is checked, the consistent majority wins', async () => {
    let finishes = 0
    const provider = createScriptedProvider((call) => {
      if (call.lastText.includes('Continue these steps')) return 'The answer is 4.'
      if (call.lastText.includes('Complete the solution')) return finishes++ % 2 === 0 ? 'so the answer is 4.' : 'so the answer is 5.'
      return `step ${call.index}`
    })
    const run = await runApproachDirectly(provider, { approach: 'rstar', optiproxy: { rstar: { rollouts: 2 } } })
    // two rollouts: step, step, finish each (depth 3), then one check per finished solution
    expect(provider.calls.map((call) => (call.lastText.includes('Continue') ? 'check' : call.lastText.includes('Complete') ? 'finish' : 'step'))).toEqual([
      'step',
      'step',
      'finish',
      'step',
      'step',
      'finish',
      'check',
      'check',
    ])
    expect(provider.calls[1]?.lastText).toContain('1. step 0')
    expect(run.result.choices[0]?.text).toContain('so the answer is 4.')
  })
})
