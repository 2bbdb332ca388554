import { describe, expect, it } from 'vitest'
import { gradeAnswer } from '../../approaches/shared/answers.js'
import { readScore } from '../../approaches/shared/judging.js'
import type { ModelRequest } from '../../src/core/request.js'
import { writeSolution } from '../../src/simulation/answer-writing.js'
import { createRandom, drawBeta } from '../../src/simulation/random.js'
import { createSimulatedModel, createWordProblems } from '../../src/simulation/simulated-model.js'

const ask = (text: string, extra: ModelRequest['messages'] = []): ModelRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text }] }, ...extra],
  extra: {},
})
const textOf = async (provider: ReturnType<typeof createSimulatedModel>, request: ModelRequest): Promise<string> =>
  (await provider.generate(request, { signal: new AbortController().signal })).choices[0]?.text ?? ''

describe('the realistic simulated model', () => {
  it('writes every answer form so that it grades right (numbers and choice letters)', () => {
    const random = createRandom(3)
    for (let draw = 0; draw < 300; draw++) {
      expect(gradeAnswer(writeSolution('1234', false, random, 'apples'), '1234').correct).toBe(true)
      expect(gradeAnswer(writeSolution('C', true, random), 'C').correct).toBe(true)
    }
  })

  it('draws per-question accuracy from a Beta distribution around the mean (spread, not one value)', () => {
    const random = createRandom(5)
    const draws = Array.from({ length: 4000 }, () => drawBeta(random, 0.6, 4))
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length
    expect(mean).toBeGreaterThan(0.57)
    expect(mean).toBeLessThan(0.63)
    expect(draws.filter((value) => value < 0.2).length).toBeGreaterThan(100)
    expect(draws.filter((value) => value > 0.9).length).toBeGreaterThan(100)
    expect(drawBeta(random, 0.6, Infinity)).toBe(0.6)
  })

  it('answers a question at its own accuracy, with plausible wrong answers', async () => {
    const [problem] = createWordProblems(1, 2)
    if (problem === undefined) throw new Error('no problem')
    let right = 0
    const provider = createSimulatedModel(problem, { accuracy: 0.6, raterAccuracy: 0.8, adoption: 0 }, 9)
    for (let call = 0; call < 2000; call++) if (gradeAnswer(await textOf(provider, ask(problem.question)), String(problem.answer)).correct) right++
    expect(Math.abs(right / 2000 - provider.profile.accuracy)).toBeLessThan(0.05)
    expect(provider.profile.answers[0]).toBe(String(problem.answer))
  })

  it('multiple-choice problems answer with a letter; wrong answers pick another choice', async () => {
    const problem = { question: 'Which is a mammal? A) trout B) whale C) eagle D) frog', answer: 'B', choices: ['trout', 'whale', 'eagle', 'frog'] }
    const provider = createSimulatedModel(problem, { accuracy: 0.5, raterAccuracy: 0.8, adoption: 0, concentration: Infinity }, 4)
    const seen = new Set<string>()
    for (let call = 0; call < 200; call++) {
      const { extracted } = gradeAnswer(await textOf(provider, ask(problem.question)), 'B')
      seen.add(extracted ?? 'none')
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('judges with the known accuracy: a right answer rated high about raterAccuracy of the time', async () => {
    const problem = { question: 'What is 6 × 7?', answer: 42 }
    const provider = createSimulatedModel(problem, { accuracy: 1, raterAccuracy: 0.8, adoption: 0, unreadableRatings: 0 }, 11)
    let high = 0
    for (let call = 0; call < 1000; call++) {
      const reply = await textOf(
        provider,
        ask(problem.question, [
          { role: 'assistant', content: [{ type: 'text', text: 'The answer is 42.' }] },
          { role: 'user', content: [{ type: 'text', text: 'End with "Rating: N".' }] },
        ]),
      )
      if ((readScore(reply) ?? 0) >= 7) high++
    }
    expect(Math.abs(high / 1000 - 0.8)).toBeLessThan(0.05)
  })

  it('a pairwise judge with full position bias always names Response A', async () => {
    const provider = createSimulatedModel({ question: 'Q', answer: 1 }, { accuracy: 1, raterAccuracy: 1, adoption: 0, positionBias: 1 }, 1)
    const prompt =
      '[Response A]\nThe answer is 2.\n[End of Response A]\n\n[Response B]\nThe answer is 1.\n[End of Response B]\n\nEnd with "Verdict: A", "Verdict: B" or "Verdict: tie".'
    expect(await textOf(provider, ask(prompt))).toContain('Verdict: A')
  })

  it('a synthesis adopts the majority of the answers it sees with the adoption probability', async () => {
    const problem = { question: 'What is 6 × 7?', answer: 42 }
    const provider = createSimulatedModel(problem, { accuracy: 0, raterAccuracy: 0.8, adoption: 1, concentration: Infinity }, 2)
    const shown = '### Candidate 1\nThe answer is 42.\n\n### Candidate 2\nAnswer: 42\n\n### Candidate 3\nThe answer is 43.'
    expect(gradeAnswer(await textOf(provider, ask(problem.question, [{ role: 'user', content: [{ type: 'text', text: shown }] }])), '42').correct).toBe(true)
  })
})
