import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { sampleAndVote } from '../shared/voting.js'

const optionsSchema = z
  .object({
    /** Samples drawn. */
    k: z.int().min(1).max(64).default(5),
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()

/**
 * `self_consistency`: k samples drawn concurrently, the final answer of each extracted (boxed, ####, stated,
 * last line, last number) and a plurality vote over answers grouped by meaning; the first sample with the winning
 * answer is returned. Calls: k.
 */
export const selfConsistencyApproach = defineApproach({
  id: 'self_consistency',
  description: 'Sample k solutions, extract their final answers, return a plurality answer.',
  optionsSchema,
  run(context) {
    return sampleAndVote(context, context.request.messages, context.options.k, context.options.temperature)
  },
})
