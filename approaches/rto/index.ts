import { z } from 'zod'
import { emitAnswer, runFinalStep } from '../shared/final-step.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { defineApproach } from '../shared/define-approach.js'

const optionsSchema = z.object({}).strict()

const reversePrompt = (answer: string): string =>
  `Here is a response:\n\n${answer}\n\nWrite the precise request or instruction that this response answers, with every ` +
  'requirement it satisfies, so that someone could produce the same response from it. Reply with the request only.'
const reconcilePrompt = (first: string, second: string): string =>
  `Two independent answers to the request above follow.\n\n### Answer A\n${first}\n\n### Answer B\n${second}\n\n` +
  'Compare them, decide what is correct, and give the single best final answer to the request. Reply with that answer only.'

/**
 * `rto`, round-trip optimisation: answer A; a request reconstructed from A; answer B to that reconstructed
 * request. When A and B agree (same text) A is returned (calls: 3); otherwise a last call reconciles them
 * (the final step, streamed; calls: 4).
 */
export const rtoApproach = defineApproach({
  id: 'rto',
  description: 'Round-trip optimisation: answer, reconstruct the request, answer again, reconcile.',
  optionsSchema,
  async *run(context) {
    const { request } = context
    const first = readText(await context.generate(createStepRequest(request, request.messages), { name: 'candidate', index: 0 }))
    context.trace(`[answer A]\n${first}\n`)
    context.offerBest(first)
    const reconstructed = readText(await context.generate(createStepRequest(request, [createUserMessage(reversePrompt(first))]), { name: 'reconstruction' }))
    context.trace(`[reconstructed request]\n${reconstructed}\n`)
    const second = readText(await context.generate(createStepRequest(request, [createUserMessage(reconstructed)]), { name: 'candidate', index: 1 }))
    context.trace(`[answer B]\n${second}\n`)
    if (second.trim() === first.trim()) {
      yield* emitAnswer(first)
      return
    }
    yield* runFinalStep(context, createFinalRequest(request, [...request.messages, createUserMessage(reconcilePrompt(first, second))]), { name: 'synthesis' })
  },
})
