import { z } from 'zod'
import { readRating } from '../shared/answers.js'
import { emitAnswer } from '../shared/final-step.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readLastUserText, readText, settleAll } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../types.js'

const optionsSchema = z
  .object({
    /** Complete candidates (each planned, solved, refined), rated at the end. */
    bestofn_n: z.int().min(1).max(8).default(3),
    /** Plan-and-solve proposals per candidate. */
    planning_n: z.int().min(1).max(8).default(3),
    /** Most plan-and-solve attempts per candidate (a solution cut off by the token limit is retried). */
    planning_m: z.int().min(1).max(16).default(6),
    temperature: z.number().min(0).max(2).default(0.7),
  })
  .strict()
  .refine((options) => options.planning_m >= options.planning_n, { message: 'planning_m must be at least planning_n', path: ['planning_m'] })
type CepoOptions = z.infer<typeof optionsSchema>

const planPrompt = (problem: string): string =>
  `Problem:\n${problem}\n\nWrite a detailed step-by-step plan for solving this problem, without solving it. After each step, ` +
  'say how confident you are that the step is right (high, medium, low).'
const executePrompt = 'Carry out the plan above to solve the problem. Show the work and state the final answer clearly.'
const refinePrompt = (problem: string, proposals: string[]): string =>
  `Problem:\n${problem}\n\nSeveral plans with their solutions follow.\n\n${proposals.map((text, index) => `### Proposal ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  'Find where they disagree or go wrong, and write one refined, corrected step-by-step plan.'
const finalPrompt = 'Solve the problem by following the refined plan above. Show the work and state the final answer clearly.'
const ratePrompt = 'Rate the solution you just gave for correctness and completeness. End with "Rating: N", N from 0 to 10.'

/** One candidate: planning_n plan-then-solve proposals (concurrently, retried when cut off), a refined plan, a final solution. */
async function createCandidate(context: ApproachContext<CepoOptions>, candidate: number): Promise<string> {
  const { request, options } = context
  const problem = readLastUserText(request.messages)
  let attempts = 0
  const propose = async (): Promise<string> => {
    for (;;) {
      attempts++
      const planAsk = createUserMessage(planPrompt(problem))
      const plan = readText(await context.generate(createStepRequest(request, [planAsk], { temperature: options.temperature })))
      const solved = await context.generate(createStepRequest(request, [planAsk, createAssistantMessage(plan), createUserMessage(executePrompt)], { temperature: options.temperature }))
      const complete = solved.choices[0]?.finishReason !== 'length'
      if (complete || attempts >= options.planning_m) return `Plan:\n${plan}\n\nSolution:\n${readText(solved)}`
      context.trace(`[candidate ${candidate}] a proposal was cut off; planning again\n`)
    }
  }
  const proposals = await settleAll(Array.from({ length: options.planning_n }, () => propose()))
  context.trace(`[candidate ${candidate}] ${proposals.length} proposals\n`)
  const refineAsk = createUserMessage(refinePrompt(problem, proposals))
  const refined = readText(await context.generate(createStepRequest(request, [refineAsk])))
  context.trace(`[candidate ${candidate} refined plan]\n${refined}\n`)
  const final = readText(await context.generate(createStepRequest(request, [...request.messages, createUserMessage(`Refined plan:\n${refined}`), createUserMessage(finalPrompt)])))
  context.trace(`[candidate ${candidate} solution]\n${final}\n`)
  return final
}

/**
 * `cepo` (Cerebras planning and optimisation): `bestofn_n` candidates, each from `planning_n` plan-then-solve
 * proposals, a refined plan and a final solution; the candidates are rated and the best-rated one returned.
 * Calls with the defaults: 3 × (3 × 2 + 2) + 3 = 27 (more when proposals are cut off and retried).
 */
export const cepoApproach: Approach<CepoOptions> = {
  id: 'cepo',
  description: 'Plan, solve, refine the plan, solve again; best of n candidates by rating.',
  optionsSchema: optionsSchema as unknown as z.ZodType<CepoOptions>,
  async *run(context) {
    const { request, options } = context
    let offered = false
    const candidates = await settleAll(
      Array.from({ length: options.bestofn_n }, async (_, index) => {
        const text = await createCandidate(context, index + 1)
        if (!offered) context.offerBest(text)
        offered = true
        return { index, text }
      }),
    )
    const rated = await settleAll(
      candidates.map(async (candidate) => {
        const messages = [...request.messages, createAssistantMessage(candidate.text), createUserMessage(ratePrompt)]
        const rating = readRating(readText(await context.generate(createStepRequest(request, messages, { temperature: 0 })))) ?? 0
        context.trace(`[rating of candidate ${candidate.index + 1}] ${rating}\n`)
        return { ...candidate, rating }
      }),
    )
    const best = rated.reduce((winner, candidate) => (candidate.rating > winner.rating ? candidate : winner))
    yield* emitAnswer(best.text)
  },
}
