import { z } from 'zod'
import { streamEventsFromResult } from '../../src/core/model-result.js'
import { defineApproach } from '../shared/define-approach.js'

/**
 * `none`: the request goes to the model as it came, in one upstream call. A streaming client gets the
 * upstream's stream as it arrives; a non-streaming client gets the upstream's whole answer.
 */
export const noneApproach = defineApproach({
  id: 'none',
  description: 'Pass-through: one upstream call, streamed or not as the client asked.',
  optionsSchema: z.object({}).strict(),
  async *run(context) {
    if (context.streaming) {
      yield* context.stream(context.request, { name: 'answer' })
      return
    }
    yield* streamEventsFromResult(await context.generate(context.request, { name: 'answer' }))
  },
})
