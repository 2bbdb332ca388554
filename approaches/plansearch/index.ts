import { z } from 'zod'
import { runFinalStep } from '../shared/final-step.js'
import { createFinalRequest, createStepRequest, createUserMessage, readLastUserText, readText } from '../shared/requests.js'
import type { Approach } from '../types.js'

const optionsSchema = z.object({}).strict()
type PlanSearchOptions = z.infer<typeof optionsSchema>

const observationsPrompt = (problem: string): string =>
  `Problem:\n${problem}\n\nDo not solve it yet. List several distinct, non-obvious observations about this problem ` +
  '(properties, constraints, useful facts, possible techniques) that could help solve it, as a numbered list.'
const derivedPrompt = (problem: string, observations: string): string =>
  `Problem:\n${problem}\n\nObservations:\n${observations}\n\nCombining these observations, derive new, deeper observations ` +
  'that are not in the list yet, as a numbered list. Do not solve the problem yet.'
const planPrompt = (problem: string, observations: string, derived: string): string =>
  `Problem:\n${problem}\n\nObservations:\n${observations}\n${derived}\n\nUsing these observations, write a step-by-step ` +
  'plan in natural language for solving the problem. Do not write the final solution yet.'
const solvePrompt = (plan: string): string => `Follow this plan to solve the request:\n${plan}\n\nGive the complete solution.`

/**
 * `plansearch`: observations about the problem, deeper observations derived from them, a natural-language plan,
 * and the solution that follows the plan (the final step, streamed). Calls: 4.
 */
export const planSearchApproach: Approach<PlanSearchOptions> = {
  id: 'plansearch',
  description: 'Search over plans: observations, derived observations, a plan, then the solution.',
  optionsSchema: optionsSchema as z.ZodType<PlanSearchOptions>,
  async *run(context) {
    const { request } = context
    const problem = readLastUserText(request.messages)
    const ask = async (prompt: string, label: string): Promise<string> => {
      const text = readText(await context.generate(createStepRequest(request, [createUserMessage(prompt)])))
      context.trace(`[${label}]\n${text}\n`)
      return text
    }
    const observations = await ask(observationsPrompt(problem), 'observations')
    const derived = await ask(derivedPrompt(problem, observations), 'derived observations')
    const plan = await ask(planPrompt(problem, observations, derived), 'plan')
    yield* runFinalStep(context, createFinalRequest(request, [...request.messages, createUserMessage(solvePrompt(plan))]))
  },
}
