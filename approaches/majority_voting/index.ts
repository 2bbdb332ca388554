import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { renderConversation } from '../shared/task-prompts.js'
import { sampleAndVote } from '../shared/voting.js'

const optionsSchema = z
  .object({
    /** Samples drawn. */
    k: z.int().min(1).max(64).default(6),
    temperature: z.number().min(0).max(2).default(0.6),
  })
  .strict()

const answerFormat = '\n\nWhen you are done, give your final answer on its own last line as "Answer: <answer>".'

/**
 * `majority_voting`: like self_consistency, but the question turn asks the model to state its answer on a last
 * "Answer: ..." line (so answers that are not numbers vote reliably), with k=6 samples at temperature 0.6.
 * Calls: k.
 */
export const majorityVotingApproach = defineApproach({
  id: 'majority_voting',
  description: 'Sample k answers with an explicit final-answer line and return the most common one.',
  optionsSchema,
  run(context) {
    return sampleAndVote(context, renderConversation(context.task, answerFormat), context.options.k, context.options.temperature)
  },
})
