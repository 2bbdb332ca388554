import { z } from 'zod'
import { appendToLastUser } from '../shared/requests.js'
import { sampleAndVote } from '../shared/voting.js'
import type { Approach } from '../types.js'

const optionsSchema = z
  .object({
    /** Samples drawn. */
    k: z.int().min(1).max(64).default(6),
    temperature: z.number().min(0).max(2).default(0.6),
  })
  .strict()
type MajorityVotingOptions = z.infer<typeof optionsSchema>

const answerFormat = '\n\nWhen you are done, give your final answer on its own last line as "Answer: <answer>".'

/**
 * `majority_voting`: like self_consistency, but the model is asked to state its answer on a last
 * "Answer: ..." line (so answers that are not numbers vote reliably), with k=6 samples at temperature 0.6.
 * Calls: k.
 */
export const majorityVotingApproach: Approach<MajorityVotingOptions> = {
  id: 'majority_voting',
  description: 'Sample k answers with an explicit final-answer line and return the most common one.',
  optionsSchema: optionsSchema as z.ZodType<MajorityVotingOptions>,
  run(context) {
    return sampleAndVote(context, appendToLastUser(context.request.messages, answerFormat), context.options.k, context.options.temperature)
  },
}
