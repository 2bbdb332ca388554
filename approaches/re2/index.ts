import { z } from 'zod'
import { readQuestionText } from '../../src/core/task.js'
import { defineApproach } from '../shared/define-approach.js'
import { runFinalStep } from '../shared/final-step.js'
import { createFinalRequest } from '../shared/requests.js'
import { renderConversation } from '../shared/task-prompts.js'

const optionsSchema = z.object({}).strict()

/**
 * `re2`, re-reading: the question is given twice ("read it again") in one call, which is streamed. In a pipeline
 * the draft sits between the two readings. Calls: 1.
 */
export const re2Approach = defineApproach({
  id: 're2',
  description: 'Re-reading: state the question a second time before the model answers.',
  optionsSchema,
  run(context) {
    const { request, task } = context
    return runFinalStep(context, createFinalRequest(request, renderConversation(task, `\n\nRead the question again: ${readQuestionText(task)}`)))
  },
})
