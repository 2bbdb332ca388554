import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer, runFinalStep } from '../shared/final-step.js'
import { draftCandidates, rateAndSelect } from '../shared/judging.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'

const optionsSchema = z
  .object({
    /** Solutions written from the plan; more than 1 drafts them concurrently and returns the best-rated one. */
    solutions: z.int().min(1).max(8).default(1),
    temperature: z.number().min(0).max(2).default(0.7),
  })
  .strict()

const observationsPrompt = (problem: string): string =>
  `Problem:\n${problem}\n\nDo not solve it yet. List several distinct, non-obvious observations about this problem ` +
  '(properties, constraints, useful facts, possible techniques) that could help solve it, as a numbered list.'
const derivedPrompt = (problem: string, observations: string): string =>
  `Problem:\n${problem}\n\nObservations:\n${observations}\n\nCombining these observations, derive new, deeper observations ` +
  'that are not in the list yet, as a numbered list. Do not solve the problem yet.'
const planPrompt = (problem: string, observations: string, derived: string): string =>
  `Problem:\n${problem}\n\nObservations:\n${observations}\n${derived}\n\nUsing these observations, write a step-by-step ` +
  'plan in natural language for solving the problem. Do not write the final solution yet.'
const solvePrompt = (plan: string): string => `A plan for the request above:\n${plan}\n\nFollow this plan to solve the request. Give the complete solution.`

/**
 * `plansearch`: observations about the problem, deeper observations derived from them, a natural-language plan,
 * and the solution that follows the plan (the final step, streamed). With `solutions` > 1 the solutions are drafted
 * concurrently and the best-rated one returned (judging toolkit). Calls: 4 (3 + 2 × solutions when more than one).
 */
export const planSearchApproach = defineApproach({
  id: 'plansearch',
  description: 'Search over plans: observations, derived observations, a plan, then the solution.',
  optionsSchema,
  async *run(context) {
    const { request, options, task } = context
    const problem = renderProblem(task)
    const ask = async (prompt: string, name: string): Promise<string> => {
      const text = readText(await context.generate(createStepRequest(request, [createUserMessage(prompt)]), { name }))
      context.trace(`[${name}]\n${text}\n`)
      return text
    }
    const observations = await ask(observationsPrompt(problem), 'observations')
    const derived = await ask(derivedPrompt(problem, observations), 'derived observations')
    const plan = await ask(planPrompt(problem, observations, derived), 'plan')
    const messages = [...request.messages, createUserMessage(solvePrompt(plan))]
    if (options.solutions === 1) {
      yield* runFinalStep(context, createFinalRequest(request, messages))
      return
    }
    const candidates = await draftCandidates(context, options.solutions, () => createStepRequest(request, messages, { temperature: options.temperature }))
    const best = await rateAndSelect(context, candidates)
    yield* emitAnswer(best.text)
  },
})
