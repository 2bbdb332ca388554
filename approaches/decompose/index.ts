import { z } from 'zod'
import { runFinalStep } from '../shared/final-step.js'
import { createAssistantMessage, createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { defineApproach } from '../shared/define-approach.js'

const optionsSchema = z
  .object({
    /** Most steps the plan may have (a longer plan is cut). */
    max_steps: z.int().min(1).max(20).default(5),
  })
  .strict()

const planPrompt = (maxSteps: number): string =>
  `Before answering, break the request above into at most ${maxSteps} steps that together solve it. ` +
  'List them as a numbered list, one step per line ("1. ..."), with no other text.'
const stepPrompt = (step: number, text: string): string => `Carry out step ${step} now: ${text}\nGive only the result of this step.`
const synthesisPrompt = 'Using the results of all the steps above, give the complete final answer to the original request.'

/**
 * The numbered lines of a plan (the whole plan as one step when it has none), at most `maxSteps`.
 * @example readNumberedSteps('1. find a\n2. find b', 5) // ['find a', 'find b']
 */
export function readNumberedSteps(plan: string, maxSteps: number): string[] {
  // line by line with anchored patterns that cannot run across lines: linear in the plan's length
  const steps: string[] = []
  for (const line of plan.split('\n')) {
    const match = /^[ \t]*\d{1,3}[.)][ \t]+(\S.*)$/.exec(line)
    if (match !== null) steps.push((match[1] as string).trim())
    if (steps.length >= maxSteps) break
  }
  return (steps.length > 0 ? steps : [plan.trim()]).slice(0, maxSteps)
}

/**
 * `decompose` (ours): a plan of numbered steps, each step solved in order with the previous steps' results in
 * the conversation, then a synthesis (the final step, streamed). Calls: 1 + steps + 1.
 */
export const decomposeApproach = defineApproach({
  id: 'decompose',
  description: 'Break the task into numbered steps, solve them in order, synthesise the answer.',
  optionsSchema,
  async *run(context) {
    const { request, options } = context
    const planText = readText(
      await context.generate(createStepRequest(request, [...request.messages, createUserMessage(planPrompt(options.max_steps))]), { name: 'plan' }),
    )
    const steps = readNumberedSteps(planText, options.max_steps)
    context.trace(`[plan]\n${steps.map((step, index) => `${index + 1}. ${step}`).join('\n')}\n`)
    const conversation = [...request.messages, createUserMessage(planPrompt(options.max_steps)), createAssistantMessage(planText)]
    for (let index = 0; index < steps.length; index++) {
      const ask = createUserMessage(stepPrompt(index + 1, steps[index] as string))
      const result = readText(await context.generate(createStepRequest(request, [...conversation, ask]), { name: 'step', index }))
      conversation.push(ask, createAssistantMessage(result))
      context.trace(`[step ${index + 1} result]\n${result}\n`)
      context.offerBest(result)
    }
    yield* runFinalStep(context, createFinalRequest(request, [...conversation, createUserMessage(synthesisPrompt)]), { name: 'synthesis' })
  },
})
