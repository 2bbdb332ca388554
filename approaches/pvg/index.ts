import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { askForScore, selectBest, verificationReaskPrompt } from '../shared/judging.js'
import { createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'

const optionsSchema = z
  .object({
    /** Rounds of the game. */
    rounds: z.int().min(1).max(8).default(2),
    /** Helpful and (as many) sneaky solutions per round. */
    solutions: z.int().min(1).max(16).default(3),
    temperature: z.number().min(0).max(2).default(0.7),
  })
  .strict()

const helpfulSystem = 'You are a careful prover: give a correct, clearly justified solution that a checker can verify step by step.'
const sneakySystem = 'You are a sneaky prover, used to train a checker: give a solution that looks convincing but contains a subtle mistake.'
const verifyPrompt = (problem: string, solution: string): string =>
  `Problem:\n${problem}\n\nProposed solution:\n${solution}\n\nCheck the solution step by step as a strict verifier. ` +
  'End with "Score: N", N from 0 (wrong) to 10 (certainly correct).'
const improvePrompt = (best: string): string => `\n\nA previous attempt (it may contain mistakes) was:\n${best}\nWrite a better, fully justified solution.`

interface Scored {
  index: number
  text: string
  helpful: boolean
  score: number | undefined
}

/**
 * `pvg`, prover-verifier game: each round drafts `solutions` helpful and `solutions` sneaky solutions
 * concurrently, a verifier call scores every one (concurrently, an unreadable score re-asked once), and the
 * best-scored helpful solution is kept (tie rules of the judging toolkit: a later solution replaces it only with a
 * higher score) and shown to the next round's provers. Returns the best helpful solution of all rounds.
 * Calls: rounds × 4 × solutions, plus re-asks.
 */
export const pvgApproach = defineApproach({
  id: 'pvg',
  description: 'Prover-verifier game: helpful and sneaky provers, a verifier scores, the best helpful solution wins.',
  optionsSchema,
  async *run(context) {
    const { request, options, task } = context
    const problem = renderProblem(task)
    let best: Scored | undefined
    let drafted = 0
    for (let round = 1; round <= options.rounds; round++) {
      const user = createUserMessage(best === undefined ? problem : problem + improvePrompt(best.text))
      const draft = async (helpful: boolean, number: number): Promise<Omit<Scored, 'score'>> => {
        const index = drafted++
        const system = helpful ? helpfulSystem : sneakySystem
        const text = readText(
          await context.generate(createStepRequest(request, [{ role: 'system', content: system }, user], { temperature: options.temperature }), {
            name: helpful ? 'candidate' : 'sneaky candidate',
            index,
          }),
        )
        context.trace(`[round ${round} ${helpful ? 'helpful' : 'sneaky'} ${number + 1}]\n${text}\n`)
        if (helpful && best === undefined) context.offerBest(text)
        return { index, text, helpful }
      }
      const drafts = await settleAll(Array.from({ length: options.solutions }, (_, number) => [draft(true, number), draft(false, number)]).flat())
      const scored = await settleAll(
        drafts.map(async (solution): Promise<Scored> => {
          const request_ = createStepRequest(request, [createUserMessage(verifyPrompt(problem, solution.text))], { temperature: 0 })
          const { score } = await askForScore(context, request_, { name: 'verification', index: solution.index }, verificationReaskPrompt)
          context.record({ kind: 'rating', candidate: solution.index, score })
          return { ...solution, score }
        }),
      )
      // the earlier best stays ahead of an equal score (it has the lower index)
      best = selectBest([...(best === undefined ? [] : [best]), ...scored.filter((solution) => solution.helpful)]) ?? best
      if (best !== undefined) context.offerBest(best.text)
      context.trace(
        `[round ${round} scores] ${scored.map((solution) => `${solution.helpful ? 'helpful' : 'sneaky'} ${solution.score ?? 'missing'}`).join(', ')}\n`,
      )
    }
    if (best !== undefined)
      context.record({
        kind: 'winner',
        candidate: best.index,
        reason: best.score === undefined ? 'no score was readable: the first helpful solution' : `highest verifier score ${best.score}`,
      })
    yield* emitAnswer(best?.text ?? '')
  },
})
