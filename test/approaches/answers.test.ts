import { describe, expect, it } from 'vitest'
import { createOutputSplitter } from '../../approaches/cot_reflection/split-output-section.js'
import { readNumberedSteps } from '../../approaches/decompose/index.js'
import { readExamples } from '../../approaches/leap/index.js'
import { answersEquivalent, extractFinalAnswer, gradeAnswer, normaliseAnswer, voteOnAnswers } from '../../approaches/shared/answers.js'
import { readScore, readVerdict } from '../../approaches/shared/judging.js'
import { answerEndings } from '../fixtures/answer-endings.js'

describe('extractFinalAnswer on the corpus of real-world answer endings', () => {
  it('has at least 150 cases', () => {
    expect(answerEndings.length).toBeGreaterThanOrEqual(150)
  })

  it.each(answerEndings.map(([text, expected], index) => [index, text, expected] as const))('case %i: %j', (_index, text, expected) => {
    expect(extractFinalAnswer(text) ?? null).toBe(expected)
  })

  it('leaves trailing sentences, brackets, markdown and punctuation out of the answer', () => {
    expect(extractFinalAnswer('The answer is **42**. Hope this helps!')).toBe('42')
    expect(extractFinalAnswer('Final answer: 42 Let me know if you need anything else.')).toBe('42')
    expect(extractFinalAnswer('Answer: 42 (since 6 × 7 = 42)')).toBe('42')
  })
})

describe('answersEquivalent and gradeAnswer', () => {
  it.each([
    ['1,200.50', '1200.5'],
    ['1/2', '0.5'],
    ['\\frac{1}{2}', '0.5'],
    ['\\dfrac{1}{2}', '1/2'],
    ['50%', '50'],
    ['50%', '0.5'],
    ['$42', '42'],
    ['42 apples', '42'],
    ['€1,000', '1000'],
    ['-3', '−3'],
    ['(B)', 'b'],
    ['B', 'b'],
    ['The Eiffel Tower', 'eiffel   tower'],
    ['Paris.', 'paris'],
    ['x^2 + 1', 'x^2+1'],
    ['\\text{Yes}', 'yes'],
    ['3.0', '3'],
    ['0.333333333333', '1/3'],
  ])('%j is %j', (a, b) => {
    expect(answersEquivalent(a, b)).toBe(true)
    expect(answersEquivalent(b, a)).toBe(true)
  })

  it.each([
    ['42', '43'],
    ['0.33', '1/3'],
    ['B', 'C'],
    ['paris', 'london'],
    ['42', 'forty-two apples'],
    ['yes', 'no'],
  ])('%j is not %j', (a, b) => {
    expect(answersEquivalent(a, b)).toBe(false)
  })

  it('grades a reply against the expected answer', () => {
    expect(gradeAnswer('So the total is $1,200.50. Let me know!', '1200.5')).toEqual({ extracted: '1200.5', correct: true })
    expect(gradeAnswer('The answer is (C).', 'C')).toEqual({ extracted: 'c', correct: true })
    expect(gradeAnswer('The answer is 7. Hope this helps with your 3 questions.', '3')).toEqual({ extracted: '7', correct: false })
    expect(gradeAnswer('I cannot tell.', '3')).toEqual({ extracted: undefined, correct: false })
  })

  it('normalising is idempotent on every corpus answer', () => {
    for (const [, expected] of answerEndings) if (expected !== null) expect(normaliseAnswer(expected)).toBe(expected)
  })

  it('votes group answers that mean the same, whatever their phrasing', () => {
    const outcome = voteOnAnswers(['The answer is **4**. Hope this helps!', 'Answer: 5', 'Final answer: 4.0 Let me know!', '#### 4', 'x'])
    expect(outcome).toEqual({
      answer: '4',
      sampleIndex: 0,
      tally: [
        ['4', 3],
        ['5', 1],
      ],
    })
    expect(voteOnAnswers(['1/2', '0.5', '0.25'])).toMatchObject({
      answer: '0.5',
      tally: [
        ['0.5', 2],
        ['0.25', 1],
      ],
    })
  })
})

/** Inputs built to make a backtracking pattern take quadratic (or worse) time. */
const adversarial = (length: number): string[] => {
  const fill = (unit: string): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)
  return [
    fill('a'),
    fill('1'),
    fill(' '),
    fill('\n'),
    fill(' \n'),
    fill('1,'),
    fill('1 '),
    fill('1/'),
    fill('{'),
    fill('\\boxed{'),
    fill('$'),
    fill('**'),
    fill('*'),
    fill('answer is '),
    fill('Answer: '),
    fill('The answer is 4 '),
    fill('score'),
    fill('Score: '),
    fill('rating '),
    fill('[['),
    fill('1. '),
    fill('\n1.'),
    fill('\\frac{'),
    fill('#### '),
    fill('(A'),
    fill('<outp'),
    `${fill('\\boxed{')}}`,
    `${fill(' ')}x`,
    `${fill('1')}x`,
  ]
}

const measure = (run: () => unknown): number => {
  const started = performance.now()
  run()
  return performance.now() - started
}

describe('every parser of model text runs in linear time', () => {
  const parsers: Array<[string, (text: string) => unknown]> = [
    ['extractFinalAnswer', extractFinalAnswer],
    ['normaliseAnswer', normaliseAnswer],
    ['gradeAnswer', (text) => gradeAnswer(text, '42')],
    ['answersEquivalent', (text) => answersEquivalent(text, text)],
    ['judging readScore', readScore],
    ['judging readVerdict', readVerdict],
    ['decompose readNumberedSteps', (text) => readNumberedSteps(text, 20)],
    ['leap readExamples', readExamples],
    [
      'cot_reflection output splitter',
      (text) => {
        const splitter = createOutputSplitter()
        for (let at = 0; at < text.length; at += 1000) splitter.push(text.slice(at, at + 1000))
        return splitter.end()
      },
    ],
  ]
  it.each(parsers)('%s takes milliseconds on every 50,000-character adversarial input', (_name, parse) => {
    for (const input of adversarial(50_000)) {
      parse(input.slice(0, 1000))
      const elapsed = measure(() => parse(input))
      expect(elapsed, `input starting ${JSON.stringify(input.slice(0, 20))}`).toBeLessThan(100)
    }
  })
})
