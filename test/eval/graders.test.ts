import { describe, expect, it } from 'vitest'
import type { ChatClient, ChatOutcome } from '../../src/eval/chat-client.js'
import { readChoiceLetter } from '../../src/eval/choice-answer.js'
import type { EvalItem } from '../../src/eval/eval-item.js'
import { createGrader, GraderError } from '../../src/eval/graders.js'

const numeric: EvalItem = { id: '1', line: 1, messages: [{ role: 'user', content: 'How many?' }], question: 'How many?', expected: '1200' }
const choice: EvalItem = { id: '2', line: 2, messages: [], question: 'Which?\n\nA. x\nB. y\nC. z', expected: 'C', choices: ['x', 'y', 'z'] }
const signal = new AbortController().signal
const noClient: ChatClient = {
  complete: () => {
    throw new Error('no model calls expected')
  },
}

describe('graders', () => {
  it('final-answer: the project extraction and normalisation on both sides', async () => {
    const grader = createGrader('final-answer', noClient)
    expect(await grader.grade(numeric, 'Step one... so the answer is $1,200.00.', signal)).toEqual({ extracted: '1200', correct: true })
    expect(await grader.grade(numeric, 'The total is \\boxed{1201}', signal)).toEqual({ extracted: '1201', correct: false })
    expect(await grader.grade(numeric, 'I do not know.', signal)).toEqual({ extracted: null, correct: false })
    expect(await grader.grade({ ...numeric, expected: 'Paris' }, 'Answer: paris', signal)).toEqual({ extracted: 'paris', correct: true })
    // compared by meaning: a fraction and a decimal, a GSM8K-style ending
    expect((await grader.grade({ ...numeric, expected: '0.5' }, 'So the share is \\boxed{\\frac{1}{2}}.', signal)).correct).toBe(true)
    expect((await grader.grade({ ...numeric, expected: '72' }, 'She sold 48 + 24 = 72 clips.\n#### 72', signal)).correct).toBe(true)
  })

  it('exact: the whole trimmed answer, case and inner spacing counting', async () => {
    const grader = createGrader('exact', noClient)
    expect(await grader.grade({ ...numeric, expected: 'Paris' }, '  Paris\n', signal)).toEqual({ extracted: 'Paris', correct: true })
    expect((await grader.grade({ ...numeric, expected: 'Paris' }, 'paris', signal)).correct).toBe(false)
    expect((await grader.grade({ ...numeric, expected: 'Paris' }, 'It is Paris', signal)).correct).toBe(false)
  })

  it('regex: the last match (first group) against the expected answer, ignoring case', async () => {
    const grader = createGrader('regex:FINAL: (\\w+)', noClient)
    expect(await grader.grade({ ...numeric, expected: 'blue' }, 'FINAL: red\n...on reflection FINAL: Blue', signal)).toEqual({
      extracted: 'Blue',
      correct: true,
    })
    expect(await grader.grade({ ...numeric, expected: 'blue' }, 'no marker here', signal)).toEqual({ extracted: null, correct: false })
    const whole = createGrader('regex:\\d+', noClient)
    expect(await whole.grade(numeric, 'first 7 then 1200', signal)).toEqual({ extracted: '1200', correct: true })
  })

  it('regex: a catastrophic pattern stays linear on a 50,000-character answer (RE2), and bad patterns fail up front', async () => {
    const grader = createGrader('regex:(a+)+$', noClient)
    const answer = `${'a'.repeat(50_000)}!`
    const started = performance.now()
    expect((await grader.grade({ ...numeric, expected: 'a' }, answer, signal)).correct).toBe(false)
    expect(performance.now() - started).toBeLessThan(200)
    expect(() => createGrader('regex:(unclosed', noClient)).toThrow(GraderError)
    // backreferences need backtracking: RE2 refuses them
    expect(() => createGrader('regex:(a)\\1', noClient)).toThrow(/does not compile/)
  })

  it('choice: the chosen letter in the usual phrasings, within the choices', async () => {
    const grader = createGrader('choice', noClient)
    const phrasings = ['C', '(C)', 'c.', 'The answer is (C).', 'Answer: C', 'After checking each, \\boxed{C}', 'z', 'I pick **Answer: C**']
    phrasings.push(
      'Weighing them, the correct option is C, since the other 2 options contradict a premise.',
      'Then I combine the parts.\n\n\n**C**',
      '**Answer:** (C)\n\nHope this helps with your 2 remaining questions!',
    )
    for (const answer of phrasings) {
      expect(await grader.grade(choice, answer, signal), answer).toEqual({ extracted: 'C', correct: true })
    }
    expect(await grader.grade(choice, 'The answer is B, not C? No: the answer is B.', signal)).toEqual({ extracted: 'B', correct: false })
    expect(await grader.grade(choice, 'The answer is a tricky one.', signal)).toEqual({ extracted: null, correct: false })
    // D is not among three choices
    expect(readChoiceLetter('The answer is D.', ['x', 'y', 'z'])).toBeUndefined()
  })

  it('auto: choice for multiple-choice items, final-answer for the rest; unknown graders are refused', async () => {
    const grader = createGrader('auto', noClient)
    expect((await grader.grade(choice, 'the answer is C', signal)).correct).toBe(true)
    expect((await grader.grade(numeric, 'the answer is 1200', signal)).correct).toBe(true)
    expect(() => createGrader('fuzzy', noClient)).toThrow(/unknown --grader 'fuzzy'/)
    expect(() => createGrader('judge:', noClient)).toThrow(/needs a model/)
  })

  it('judge: asks the judge model with the question, reference and answer; reads its verdict; reports its own usage', async () => {
    const calls: Parameters<ChatClient['complete']>[0][] = []
    const replies: ChatOutcome[] = [
      { text: 'Both say twelve hundred.\nVERDICT: CORRECT', calls: 1, tokens: { prompt: 90, completion: 8 }, latencyMs: 5, error: null },
      { text: 'They differ. VERDICT: INCORRECT', calls: 1, tokens: { prompt: 91, completion: 6 }, latencyMs: 5, error: null },
      { text: 'Hard to say.', calls: 1, tokens: { prompt: 80, completion: 4 }, latencyMs: 5, error: null },
      { text: '', calls: 1, tokens: { prompt: 0, completion: 0 }, latencyMs: 5, error: 'HTTP 500: boom' },
    ]
    const client: ChatClient = {
      async complete(call) {
        calls.push(call)
        return replies[calls.length - 1] as ChatOutcome
      },
    }
    const grader = createGrader('judge:gpt-4o', client)
    expect(await grader.grade(numeric, 'It comes to twelve hundred.', signal)).toEqual({
      extracted: 'correct',
      correct: true,
      judge: { calls: 1, tokens: { prompt: 90, completion: 8 } },
    })
    expect((await grader.grade(numeric, '1100', signal)).correct).toBe(false)
    expect(await grader.grade(numeric, '???', signal)).toMatchObject({ extracted: null, correct: false })
    expect(await grader.grade(numeric, '???', signal)).toMatchObject({ correct: false, error: 'judge: HTTP 500: boom' })
    expect(calls[0]).toMatchObject({ model: 'gpt-4o', approach: 'none' })
    const prompt = calls[0]?.messages.at(-1)?.content as string
    expect(prompt).toContain('How many?')
    expect(prompt).toContain('Reference answer:\n1200')
    expect(prompt).toContain('It comes to twelve hundred.')
  })
})
