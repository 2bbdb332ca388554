import { z } from 'zod'
import { sampleAndVote } from '../shared/voting.js'
import type { Approach } from '../types.js'

const optionsSchema = z
  .object({
    /** Samples drawn. */
    k: z.int().min(1).max(64).default(5),
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()
type SelfConsistencyOptions = z.infer<typeof optionsSchema>

/**
 * `self_consistency`: k samples drawn concurrently, the final answer of each extracted and normalised
 * (boxed, "answer is", last number), a majority vote; the first sample with the winning answer is returned.
 * Calls: k.
 */
export const selfConsistencyApproach: Approach<SelfConsistencyOptions> = {
  id: 'self_consistency',
  description: 'Sample k solutions, extract and normalise their final answers, return a majority answer.',
  optionsSchema: optionsSchema as z.ZodType<SelfConsistencyOptions>,
  run(context) {
    return sampleAndVote(context, context.request.messages, context.options.k, context.options.temperature)
  },
}
