import { z } from 'zod'
import { readRating } from '../shared/answers.js'
import { emitAnswer } from '../shared/final-step.js'
import { createStepRequest, createUserMessage, readLastUserText, readText, settleAll } from '../shared/requests.js'
import type { Approach } from '../types.js'
import type { Message } from '../../src/core/message.js'

const optionsSchema = z
  .object({
    /** Rounds of the game. */
    rounds: z.int().min(1).max(8).default(2),
    /** Helpful and (as many) sneaky solutions per round. */
    solutions: z.int().min(1).max(16).default(3),
    temperature: z.number().min(0).max(2).default(0.7),
  })
  .strict()
type PvgOptions = z.infer<typeof optionsSchema>

const helpfulSystem = 'You are a careful prover: give a correct, clearly justified solution that a checker can verify step by step.'
const sneakySystem =
  'You are a sneaky prover, used to train a checker: give a solution that looks convincing but contains a subtle mistake.'
const verifyPrompt = (problem: string, solution: string): string =>
  `Problem:\n${problem}\n\nProposed solution:\n${solution}\n\nCheck the solution step by step as a strict verifier. ` +
  'End with "Score: N", N from 0 (wrong) to 10 (certainly correct).'
const improvePrompt = (best: string): string => `\n\nA previous attempt (it may contain mistakes) was:\n${best}\nWrite a better, fully justified solution.`

/**
 * `pvg`, prover-verifier game: each round drafts `solutions` helpful and `solutions` sneaky solutions
 * concurrently, a verifier call scores every one (concurrently), and the best-scored helpful solution is kept
 * and shown to the next round's provers. Returns the best-scored helpful solution of all rounds.
 * Calls: rounds × 4 × solutions.
 */
export const pvgApproach: Approach<PvgOptions> = {
  id: 'pvg',
  description: 'Prover-verifier game: helpful and sneaky provers, a verifier scores, the best helpful solution wins.',
  optionsSchema: optionsSchema as z.ZodType<PvgOptions>,
  async *run(context) {
    const { request, options } = context
    const problem = readLastUserText(request.messages)
    let best: { text: string; score: number } | undefined
    for (let round = 1; round <= options.rounds; round++) {
      const user: Message = createUserMessage(best === undefined ? problem : problem + improvePrompt(best.text))
      const draft = (system: string, role: 'helpful' | 'sneaky', index: number) => async () => {
        const text = readText(await context.generate(createStepRequest(request, [{ role: 'system', content: system }, user], { temperature: options.temperature })))
        context.trace(`[round ${round} ${role} ${index + 1}]\n${text}\n`)
        return { text, helpful: role === 'helpful' }
      }
      const drafts = await settleAll(
        Array.from({ length: options.solutions }, (_, index) => [draft(helpfulSystem, 'helpful', index)(), draft(sneakySystem, 'sneaky', index)()]).flat(),
      )
      const scored = await settleAll(
        drafts.map(async (solution) => {
          const score = readRating(readText(await context.generate(createStepRequest(request, [createUserMessage(verifyPrompt(problem, solution.text))], { temperature: 0 })))) ?? 0
          // the best so far, should a budget end the game before the round is scored
          if (solution.helpful && (best === undefined || score > best.score)) context.offerBest(solution.text)
          return { ...solution, score }
        }),
      )
      // the round's best helpful solution (ties: the first drafted) replaces the best only when it scores higher
      for (const solution of scored) {
        if (solution.helpful && (best === undefined || solution.score > best.score)) best = { text: solution.text, score: solution.score }
      }
      if (best !== undefined) context.offerBest(best.text)
      context.trace(`[round ${round} scores] ${scored.map((solution) => `${solution.helpful ? 'helpful' : 'sneaky'} ${solution.score}`).join(', ')}\n`)
    }
    yield* emitAnswer(best?.text ?? '')
  },
}
