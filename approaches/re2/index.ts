import { z } from 'zod'
import { runFinalStep } from '../shared/final-step.js'
import { appendToLastUser, createFinalRequest, readLastUserText } from '../shared/requests.js'
import type { Approach } from '../types.js'

const optionsSchema = z.object({}).strict()
type Re2Options = z.infer<typeof optionsSchema>

/**
 * `re2`, re-reading: the question is given twice ("read it again") in one call, which is streamed.
 * Calls: 1.
 */
export const re2Approach: Approach<Re2Options> = {
  id: 're2',
  description: 'Re-reading: state the question a second time before the model answers.',
  optionsSchema: optionsSchema as z.ZodType<Re2Options>,
  run(context) {
    const { request } = context
    const question = readLastUserText(request.messages)
    return runFinalStep(context, createFinalRequest(request, appendToLastUser(request.messages, `\n\nRead the question again: ${question}`)))
  },
}
