import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { runFinalStep } from '../shared/final-step.js'
import { draftCandidates } from '../shared/judging.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'

const optionsSchema = z
  .object({
    /** Candidate answers drafted concurrently. */
    proposals: z.int().min(1).max(16).default(3),
    /** Sampling temperature of the proposals. */
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()

const critiquePrompt = (question: string, candidates: string[]): string =>
  `A user asked:\n${question}\n\nHere are ${candidates.length} candidate answers.\n\n${candidates.map((text, index) => `### Candidate ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  'Assess each candidate: what it gets right, what is wrong or missing, and which ideas deserve to be kept. Do not write a final answer yet.'

const synthesisPrompt = (candidates: string[], critique: string): string =>
  `Candidate answers to the request above:\n\n${candidates.map((text, index) => `### Candidate ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  `An assessment of them:\n${critique}\n\nUsing the strongest parts and avoiding the mistakes named, write the single best answer to the request. ` +
  'Reply with that answer only, as if you were answering the request directly.'

/**
 * `moa`, mixture of agents: `proposals` candidates drafted concurrently (judging toolkit), one critique of all of them
 * with the question (and a pipeline's draft) in view, and a synthesis (the final step, streamed) that answers with
 * the critique in view. Calls: proposals + 2.
 */
export const moaApproach = defineApproach({
  id: 'moa',
  description: 'Mixture of agents: draft candidates, critique them together, synthesise the answer.',
  optionsSchema,
  async *run(context) {
    const { request, options, task } = context
    const candidates = (
      await draftCandidates(context, options.proposals, () => createStepRequest(request, request.messages, { temperature: options.temperature }), 'proposal')
    ).map((candidate) => candidate.text)
    const critique = readText(
      await context.generate(createStepRequest(request, [createUserMessage(critiquePrompt(renderProblem(task), candidates))]), { name: 'critique' }),
    )
    context.trace(`[critique]\n${critique}\n`)
    yield* runFinalStep(context, createFinalRequest(request, [...request.messages, createUserMessage(synthesisPrompt(candidates, critique))]), {
      name: 'synthesis',
    })
  },
})
