import { describe, expect, it } from 'vitest'
import { answersEquivalent } from '../../approaches/shared/answers.js'
import {
  type Candidate,
  compareInBothOrders,
  computeUct,
  draftCandidates,
  rateAndSelect,
  readScore,
  readVerdict,
  selectBest,
  selectByUct,
  verifyCandidate,
} from '../../approaches/shared/judging.js'
import { createStepRequest, createUserMessage } from '../../approaches/shared/requests.js'
import type { ApproachContext } from '../../src/core/approach.js'
import type { ApproachFact, StepLabel } from '../../src/core/approach-step.js'
import type { ModelRequest } from '../../src/core/request.js'
import { createTaskFromMessages } from '../../src/core/task.js'

interface Recorded {
  request: ModelRequest
  step: StepLabel | undefined
  lastText: string
}

/** An approach context whose upstream is `reply`; every call, step label, fact and offered answer is recorded. */
function createTestContext(reply: (call: Recorded, index: number) => string) {
  const calls: Recorded[] = []
  const facts: ApproachFact[] = []
  const offered: string[] = []
  const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 6 × 7? ZEBRA-17' }] }], extra: {} }
  const context: ApproachContext<unknown> = {
    request,
    task: createTaskFromMessages(request.messages),
    options: {},
    signal: new AbortController().signal,
    streaming: false,
    async generate(call, step) {
      const last = call.messages.at(-1)
      const lastText =
        last === undefined || typeof last.content === 'string'
          ? String(last?.content ?? '')
          : last.content.map((part) => ('text' in part ? part.text : '')).join('')
      const recorded = { request: call, step, lastText }
      calls.push(recorded)
      const text = reply(recorded, calls.length - 1)
      return {
        metadata: {},
        choices: [{ index: 0, text, reasoning: '', refusal: null, toolCalls: [], finishReason: 'stop', logprobs: null, refusalLogprobs: null }],
      }
    },
    stream() {
      throw new Error('not used')
    },
    record: (fact) => facts.push(fact),
    trace: () => undefined,
    offerBest: (text) => offered.push(text),
  }
  return { context, calls, facts, offered }
}

describe('readScore: every common form, the last one stated', () => {
  it.each([
    ['Score: 8', 8],
    ['score:8', 8],
    ['Rating: [[8]]', 8],
    ['[[7]]', 7],
    ['Overall 8/10.', 8],
    ['I would give it 8 out of 10.', 8],
    ['**8**', 8],
    ['Final rating: **9**', 9],
    ['**Rating:** 6.5', 6.5],
    ['Rating = 7', 7],
    ['Score: 4/5', 8],
    ['Grade: 3 out of 5', 6],
    ['The reply has 3 steps and 2 errors.\n\nRating: 4', 4],
    ['Score: 2 ... on reflection, Score: 7', 7],
    ['7', 7],
    ['  9.  ', 9],
    ['Rating: [[10]]', 10],
    ['Rating: 0', 0],
  ])('%j reads as %d', (text, expected) => {
    expect(readScore(text)).toBe(expected)
  })

  it.each(['The answer looks fine to me.', 'Rating: N', 'Score: 12', '15/10', 'It has 3 steps.', ''])('%j has no score', (text) => {
    expect(readScore(text)).toBeUndefined()
  })

  it('reads verdicts', () => {
    expect(readVerdict('B reasons more carefully.\nVerdict: B')).toBe('B')
    expect(readVerdict('[[A]]')).toBe('A')
    expect(readVerdict('Verdict: tie')).toBe('tie')
    expect(readVerdict('Response A is better because it checks the units.')).toBe('A')
    expect(readVerdict('They are both fine.')).toBeUndefined()
    expect(readVerdict('Winner: **A**')).toBe('A')
    expect(readVerdict('My verdict: the answer is a number, so neither.')).toBeUndefined()
  })
})

describe('rating: labelled calls, a re-ask on an unreadable rating, then missing (never 0 or 10)', () => {
  it('re-asks once, with the unreadable reply in view, and reads the second answer', async () => {
    const { context, calls, facts } = createTestContext((call) => (call.request.messages.length > 3 ? 'Rating: 6' : 'Looks good to me!'))
    const best = await rateAndSelect(context, [{ index: 0, text: 'The answer is 42.' }])
    expect(calls).toHaveLength(2)
    expect(calls.map((call) => call.step)).toEqual([
      { name: 'rating', index: 0 },
      { name: 'rating', index: 0 },
    ])
    expect(calls[1]?.request.messages.at(-2)).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: 'Looks good to me!' }] })
    expect(calls[1]?.lastText).toContain('Rating: N')
    expect(best.score).toBe(6)
    expect(facts).toContainEqual({ kind: 'rating', candidate: 0, score: 6 })
  })

  it('twice unreadable is a missing rating: it ranks below every read one; all missing gives the first candidate', async () => {
    const candidates: Candidate[] = [
      { index: 0, text: 'first' },
      { index: 1, text: 'second' },
      { index: 2, text: 'third' },
    ]
    const mixed = createTestContext((call) => (call.step?.index === 0 ? 'No idea.' : call.step?.index === 1 ? 'Rating: 1' : 'Rating: 1'))
    const best = await rateAndSelect(mixed.context, candidates)
    expect(mixed.calls).toHaveLength(4)
    expect(best.index).toBe(1)
    expect(mixed.facts).toContainEqual({ kind: 'rating', candidate: 0, score: undefined })
    expect(mixed.facts).toContainEqual(expect.objectContaining({ kind: 'winner', candidate: 1 }))
    const none = createTestContext(() => 'cannot say')
    expect((await rateAndSelect(none.context, candidates)).index).toBe(0)
    expect(none.calls).toHaveLength(6)
  })

  it('every rating call holds the question and the candidate', async () => {
    const { context, calls } = createTestContext(() => 'Rating: 5')
    await rateAndSelect(context, [{ index: 0, text: 'CANDIDATE-TEXT' }])
    expect(JSON.stringify(calls[0]?.request.messages)).toContain('ZEBRA-17')
    expect(JSON.stringify(calls[0]?.request.messages)).toContain('CANDIDATE-TEXT')
    expect(calls[0]?.request.temperature).toBe(0)
  })
})

describe('ties', () => {
  it('equal scores go to the earliest candidate, whatever the order they arrive in', () => {
    expect(
      selectBest([
        { index: 2, score: 9 },
        { index: 1, score: 9 },
        { index: 0, score: 3 },
      ])?.index,
    ).toBe(1)
    expect(
      selectBest([
        { index: 0, score: undefined },
        { index: 1, score: 0 },
      ])?.index,
    ).toBe(1)
    expect(
      selectBest([
        { index: 1, score: undefined },
        { index: 0, score: undefined },
      ])?.index,
    ).toBe(0)
    expect(selectBest([])).toBeUndefined()
  })

  it('UCT: an unvisited child first (the earliest), then the highest value, ties to the earliest', () => {
    expect(computeUct({ visits: 0, value: 0 }, 3, 1)).toBe(Infinity)
    expect(computeUct({ visits: 2, value: 1 }, 4, 0)).toBe(0.5)
    const children = [
      { name: 'a', visits: 1, value: 0.5 },
      { name: 'b', visits: 0, value: 0 },
      { name: 'c', visits: 0, value: 0 },
    ]
    expect(selectByUct(children, 1, 1.4)?.name).toBe('b')
    const visited = [
      { name: 'a', visits: 2, value: 1 },
      { name: 'b', visits: 2, value: 1 },
      { name: 'c', visits: 2, value: 1.6 },
    ]
    expect(selectByUct(visited, 6, 0)?.name).toBe('c')
    expect(selectByUct(visited.slice(0, 2), 6, 1.4)?.name).toBe('a')
  })
})

describe('pairwise comparison in both orders', () => {
  const first: Candidate = { index: 0, text: 'ALPHA' }
  const second: Candidate = { index: 1, text: 'BETA' }
  const createRequest = (a: string, b: string): ModelRequest =>
    createStepRequest({ model: 'm', messages: [], extra: {} }, [createUserMessage(`A: ${a}\nB: ${b}`)])

  it('asks both orders and names a winner when both agree', async () => {
    const { context, calls, facts } = createTestContext((call) => (call.lastText.startsWith('A: BETA') ? 'Verdict: A' : 'Verdict: B'))
    expect(await compareInBothOrders(context, first, second, createRequest)).toBe(second)
    expect(calls.map((call) => call.lastText)).toEqual(['A: ALPHA\nB: BETA', 'A: BETA\nB: ALPHA'])
    expect(calls.map((call) => call.step?.name)).toEqual(['comparison', 'comparison'])
    expect(facts).toContainEqual({ kind: 'comparison', first: 0, second: 1, winner: 1 })
  })

  it('a judge that always prefers the first position gives a tie, not a winner', async () => {
    const { context, facts } = createTestContext(() => 'Verdict: A')
    expect(await compareInBothOrders(context, first, second, createRequest)).toBeUndefined()
    expect(facts).toContainEqual({ kind: 'comparison', first: 0, second: 1, winner: undefined })
  })

  it('an unreadable verdict is a tie', async () => {
    const { context } = createTestContext((call) => (call.lastText.startsWith('A: ALPHA') ? 'Verdict: A' : 'both are fine'))
    expect(await compareInBothOrders(context, first, second, createRequest)).toBeUndefined()
  })
})

describe('verification with a pass threshold', () => {
  const createRequest = (): ModelRequest => createStepRequest({ model: 'm', messages: [], extra: {} }, [createUserMessage('verify; end with "Score: N"')])

  it('passes when every read score reaches the threshold; a missing score is no evidence', async () => {
    const scores = ['Score: 8', 'Score: 9']
    const passing = createTestContext((_call, index) => scores[index] ?? '')
    expect(await verifyCandidate(passing.context, 0, createRequest, { times: 2, passScore: 7 })).toMatchObject({ passed: true, score: 8, scores: [8, 9] })
    expect(passing.calls.map((call) => call.step)).toEqual([
      { name: 'verification', index: 0 },
      { name: 'verification', index: 0 },
    ])
    const failing = createTestContext((_call, index) => ['Score: 8', 'Score: 5'][index] ?? '')
    expect(await verifyCandidate(failing.context, 0, createRequest, { times: 2, passScore: 7 })).toMatchObject({ passed: false, score: 5 })
    const unread = createTestContext(() => 'hmm')
    expect(await verifyCandidate(unread.context, 0, createRequest, { times: 1, passScore: 7 })).toMatchObject({ passed: false, score: undefined, scores: [] })
    expect(unread.calls).toHaveLength(2)
  })
})

describe('drafting candidates', () => {
  it('drafts concurrently with labels, offers the first to arrive as the best so far, returns them in order', async () => {
    const { context, calls, offered } = createTestContext((_call, index) => `draft ${index}`)
    const candidates = await draftCandidates(context, 3, () => createStepRequest(context.request, context.request.messages))
    expect(candidates).toEqual([
      { index: 0, text: 'draft 0' },
      { index: 1, text: 'draft 1' },
      { index: 2, text: 'draft 2' },
    ])
    expect(calls.map((call) => call.step)).toEqual([0, 1, 2].map((index) => ({ name: 'candidate', index })))
    expect(offered).toEqual(['draft 0'])
    expect(answersEquivalent('42', '42.0')).toBe(true)
  })
})
