import { z } from 'zod'
import { readRating } from '../shared/answers.js'
import { emitAnswer } from '../shared/final-step.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import type { Approach } from '../types.js'

const optionsSchema = z
  .object({
    /** Candidates drafted. */
    n: z.int().min(1).max(32).default(3),
    /** Sampling temperature of the candidates. */
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()
type BonOptions = z.infer<typeof optionsSchema>

const ratingPrompt =
  'Judge the reply you just gave as an impartial grader: is it correct, complete and helpful for the request? ' +
  'End with a line of the form "Rating: N" where N is an integer from 0 (useless) to 10 (flawless).'

/**
 * `bon`, best of n: n candidates drafted concurrently, each rated 0-10 by the model in its own call
 * (concurrently), the best-rated candidate returned (ties: the earliest). Calls: 2n.
 */
export const bonApproach: Approach<BonOptions> = {
  id: 'bon',
  description: 'Best of n: draft n candidates, rate each, return the best-rated one.',
  optionsSchema: optionsSchema as z.ZodType<BonOptions>,
  async *run(context) {
    const { request, options } = context
    let offered = false
    const drafts = Array.from({ length: options.n }, async (_, index) => {
      const text = readText(await context.generate(createStepRequest(request, request.messages, { temperature: options.temperature })))
      context.trace(`[candidate ${index + 1}]\n${text}\n`)
      if (!offered) context.offerBest(text)
      offered = true
      return { index, text }
    })
    const candidates = await settleAll(drafts)
    let best: { index: number; text: string; rating: number } | undefined
    await settleAll(
      candidates.map(async (candidate) => {
        const messages = [...request.messages, createAssistantMessage(candidate.text), createUserMessage(ratingPrompt)]
        const rating = readRating(readText(await context.generate(createStepRequest(request, messages, { temperature: 0 })))) ?? 0
        context.trace(`[rating of candidate ${candidate.index + 1}] ${rating}\n`)
        if (best === undefined || rating > best.rating || (rating === best.rating && candidate.index < best.index)) best = { ...candidate, rating }
        context.offerBest(best.text)
      }),
    )
    yield* emitAnswer((best as { text: string }).text)
  },
}
