import { z } from 'zod'
import { runFinalStep } from '../shared/final-step.js'
import { createFinalRequest, createStepRequest, createUserMessage, readLastUserText, readText, settleAll } from '../shared/requests.js'
import type { Approach } from '../types.js'

const optionsSchema = z
  .object({
    /** Candidate answers drafted concurrently. */
    proposals: z.int().min(1).max(16).default(3),
    /** Sampling temperature of the proposals. */
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()
type MoaOptions = z.infer<typeof optionsSchema>

const critiquePrompt = (question: string, candidates: string[]): string =>
  `A user asked:\n${question}\n\nHere are ${candidates.length} candidate answers.\n\n${candidates.map((text, index) => `### Candidate ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  'Assess each candidate: what it gets right, what is wrong or missing, and which ideas deserve to be kept. Do not write a final answer yet.'

const synthesisPrompt = (candidates: string[], critique: string): string =>
  `Candidate answers to the request above:\n\n${candidates.map((text, index) => `### Candidate ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  `An assessment of them:\n${critique}\n\nUsing the strongest parts and avoiding the mistakes named, write the single best answer to the request. ` +
  'Reply with that answer only, as if you were answering the request directly.'

/**
 * `moa`, mixture of agents: `proposals` candidates drafted concurrently, one critique of all of them, and a
 * synthesis (the final step, streamed) that answers with the critique in view. Calls: proposals + 2.
 */
export const moaApproach: Approach<MoaOptions> = {
  id: 'moa',
  description: 'Mixture of agents: draft candidates, critique them together, synthesise the answer.',
  optionsSchema: optionsSchema as z.ZodType<MoaOptions>,
  async *run(context) {
    const { request, options } = context
    let offered = false
    const candidates = await settleAll(
      Array.from({ length: options.proposals }, async (_, index) => {
        const text = readText(await context.generate(createStepRequest(request, request.messages, { temperature: options.temperature })))
        context.trace(`[proposal ${index + 1}]\n${text}\n`)
        if (!offered) context.offerBest(text)
        offered = true
        return text
      }),
    )
    const critique = readText(await context.generate(createStepRequest(request, [createUserMessage(critiquePrompt(readLastUserText(request.messages), candidates))])))
    context.trace(`[critique]\n${critique}\n`)
    yield* runFinalStep(context, createFinalRequest(request, [...request.messages, createUserMessage(synthesisPrompt(candidates, critique))]))
  },
}
