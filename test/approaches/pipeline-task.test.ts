import { describe, expect, it } from 'vitest'
import { approachRegistry } from '../../approaches/registry.js'
import type { ApproachContext } from '../../src/core/approach.js'
import type { StepLabel } from '../../src/core/approach-step.js'
import type { ModelRequest } from '../../src/core/request.js'
import { createTaskFromMessages } from '../../src/core/task.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider, type ScriptedCall } from '../helpers/scripted-provider.js'

const question = 'How many legs do 3 spiders have? QTOKEN-ZEBRA'
const draftMarker = '--- draft answer from an earlier pass ---'

/** Answers every kind of step an approach takes; solving calls answer with a token naming the call. */
function reply(call: ScriptedCall): string {
  if (call.lastText.includes('Rating: N')) return 'Rating: 7'
  if (call.lastText.includes('Score: N')) return 'Score: 8'
  if (call.lastText.includes('Verdict: A')) return 'Verdict: A'
  if (call.lastText.includes('JSON array')) return '[{"input": "2 spiders", "output": "16"}]'
  if (call.lastText.includes('numbered list, one step per line')) return '1. Count the legs of one spider.\n2. Multiply.'
  if (call.lastText.includes('Write the precise request')) return 'Reconstructed: count some legs.'
  // the json plugin asks for one JSON value conforming to a schema (any object when the request has none)
  if (call.request.messages.some((message) => message.role === 'system' && message.content.startsWith('Answer with one JSON value')))
    return `{"answer": 24, "note": "ANSWER-${call.index}"}`
  return `The answer is 24. ANSWER-${call.index}`
}
const serialise = (call: ScriptedCall): string => JSON.stringify(call.request.messages)
/** rto's round trip: by design its reconstruction sees only answer A and its answer B only the reconstructed request. */
const roundTripCalls = (slug: string, calls: ScriptedCall[]): Set<ScriptedCall> =>
  new Set(
    slug === 'rto'
      ? calls.filter((call, index) => call.lastText.includes('Write the precise request') || calls[index - 1]?.lastText.includes('Write the precise request'))
      : [],
  )

describe('none&<slug>: the second stage works on the original question and shows the draft', () => {
  // an approach that runs alone (privacy) is refused as a pipeline stage: tested with it
  const slugs = [...approachRegistry.values()].filter((approach) => approach.runsAlone !== true).map((approach) => approach.id)
  it('covers every approach', () => {
    expect(slugs.length).toBeGreaterThanOrEqual(16)
  })

  it.each(slugs)('none&%s', async (slug) => {
    const provider = createScriptedProvider(reply)
    const run = await runApproachDirectly(provider, { approach: `none&${slug}`, question })
    const [first, ...rest] = provider.calls
    expect(first?.lastText).toBe(question)
    expect(rest.length).toBeGreaterThan(0)
    const exempt = roundTripCalls(slug, rest)
    for (const call of rest) if (!exempt.has(call)) expect(serialise(call), `call ${call.index}: ${call.lastText.slice(0, 80)}`).toContain('QTOKEN-ZEBRA')
    // the first stage's answer reaches the second stage, said to be a draft from an earlier pass
    const shown = rest.filter((call) => serialise(call).includes('ANSWER-0'))
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.some((call) => serialise(call).includes(draftMarker) && serialise(call).includes('is a draft answer to this question'))).toBe(true)
    expect(run.result.choices[0]?.finishReason).toBe('stop')
  })
})

describe('three-stage pipelines', () => {
  it.each(['none&moa&bon', 're2&plansearch&mars', 'self_consistency&rstar&pvg', 'cot_reflection&cepo&mcts', 'leap&decompose&majority_voting'])(
    '%s',
    async (plan) => {
      const provider = createScriptedProvider(reply)
      const run = await runApproachDirectly(provider, { approach: plan, question })
      for (const call of provider.calls) expect(serialise(call), `call ${call.index}`).toContain('QTOKEN-ZEBRA')
      const reasoning = run.result.choices[0]?.reasoning ?? ''
      const stageAnswer = (stage: number): string => new RegExp(`\\[stage ${stage} answer\\]\\n(.*)\\n`).exec(reasoning)?.[1] ?? ''
      const second = stageAnswer(2)
      expect(second).toMatch(/ANSWER-\d+/)
      // the third stage sees the second stage's answer as its draft, and the first stage's answer is no longer shown
      const third = provider.calls.filter((call) => serialise(call).includes(`${draftMarker}\\n${second}`))
      expect(third.length).toBeGreaterThan(0)
      const firstAnswer = stageAnswer(1)
      expect(third.every((call) => !serialise(call).includes(firstAnswer))).toBe(true)
    },
  )
})

describe('every upstream call of every approach names its step', () => {
  it.each([...approachRegistry.values()].map((approach) => [approach.id, approach] as const))('%s', async (_slug, approach) => {
    const steps: Array<StepLabel | undefined> = []
    const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: question }] }], extra: {} }
    let index = 0
    const answer = (call: ModelRequest): string => {
      const last = call.messages.at(-1)
      const lastText =
        last === undefined || typeof last.content === 'string'
          ? String(last?.content ?? '')
          : last.content.map((part) => ('text' in part ? part.text : '')).join('')
      return reply({ index: index++, kind: 'generate', request: call, lastText, inFlightAtStart: 1, aborted: false })
    }
    const context: ApproachContext<unknown> = {
      request,
      task: createTaskFromMessages(request.messages),
      options: approach.optionsSchema.parse({}),
      signal: new AbortController().signal,
      streaming: true,
      async generate(call, step) {
        steps.push(step)
        return {
          metadata: {},
          choices: [{ index: 0, text: answer(call), reasoning: '', refusal: null, toolCalls: [], finishReason: 'stop', logprobs: null, refusalLogprobs: null }],
        }
      },
      async *stream(call, step) {
        steps.push(step)
        yield { type: 'text-delta', choice: 0, delta: answer(call) }
        yield { type: 'finish', choice: 0, finishReason: 'stop' }
      },
      record: () => undefined,
      trace: () => undefined,
      offerBest: () => undefined,
    }
    for await (const _event of approach.run(context)) void _event
    expect(steps.length).toBeGreaterThan(0)
    expect(steps.every((step) => step !== undefined && step.name !== '')).toBe(true)
  })
})
