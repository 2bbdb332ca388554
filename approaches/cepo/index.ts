import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { type Candidate, rateAndSelect } from '../shared/judging.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'
import type { ApproachContext } from '../../src/core/approach.js'

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
type CepoOptions = z.output<typeof optionsSchema>

const planPrompt = (problem: string): string =>
  `Problem:\n${problem}\n\nWrite a detailed step-by-step plan for solving this problem, without solving it. After each step, ` +
  'say how confident you are that the step is right (high, medium, low).'
const executePrompt = 'Carry out the plan above to solve the problem. Show the work and state the final answer clearly.'
const refinePrompt = (problem: string, proposals: string[]): string =>
  `Problem:\n${problem}\n\nSeveral plans with their solutions follow.\n\n${proposals.map((text, index) => `### Proposal ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  'Find where they disagree or go wrong, and write one refined, corrected step-by-step plan.'
const finalPrompt = (plan: string): string =>
  `A refined plan for the request above:\n${plan}\n\nSolve the problem by following this plan. Show the work and state the final answer clearly.`

/** One candidate: planning_n plan-then-solve proposals (concurrently, retried when cut off), a refined plan, a final solution. */
async function createCandidate(context: ApproachContext<CepoOptions>, candidate: number): Promise<string> {
  const { request, options, task } = context
  const problem = renderProblem(task)
  let attempts = 0
  const propose = async (proposal: number): Promise<string> => {
    for (;;) {
      attempts++
      const planAsk = createUserMessage(planPrompt(problem))
      const plan = readText(
        await context.generate(createStepRequest(request, [planAsk], { temperature: options.temperature }), { name: 'plan', index: candidate }),
      )
      const solved = await context.generate(
        createStepRequest(request, [planAsk, createAssistantMessage(plan), createUserMessage(executePrompt)], { temperature: options.temperature }),
        {
          name: 'solution',
          index: candidate,
        },
      )
      const complete = solved.choices[0]?.finishReason !== 'length'
      if (complete || attempts >= options.planning_m) return `Plan:\n${plan}\n\nSolution:\n${readText(solved)}`
      context.trace(`[candidate ${candidate + 1}] proposal ${proposal + 1} was cut off; planning again\n`)
    }
  }
  const proposals = await settleAll(Array.from({ length: options.planning_n }, (_, proposal) => propose(proposal)))
  context.trace(`[candidate ${candidate + 1}] ${proposals.length} proposals\n`)
  const refined = readText(
    await context.generate(createStepRequest(request, [createUserMessage(refinePrompt(problem, proposals))]), { name: 'refined plan', index: candidate }),
  )
  context.trace(`[candidate ${candidate + 1} refined plan]\n${refined}\n`)
  const final = readText(
    await context.generate(createStepRequest(request, [...request.messages, createUserMessage(finalPrompt(refined))]), { name: 'candidate', index: candidate }),
  )
  context.trace(`[candidate ${candidate + 1} solution]\n${final}\n`)
  return final
}

/**
 * `cepo` (Cerebras planning and optimisation): `bestofn_n` candidates, each from `planning_n` plan-then-solve
 * proposals, a refined plan and a final solution; the candidates are rated by the judging toolkit and the best
 * returned. Calls with the defaults: 3 × (3 × 2 + 2) + 3 = 27 (more when proposals are cut off or a rating is re-asked).
 */
export const cepoApproach = defineApproach({
  id: 'cepo',
  description: 'Plan, solve, refine the plan, solve again; best of n candidates by rating.',
  optionsSchema,
  async *run(context) {
    let offered = false
    const candidates = await settleAll(
      Array.from({ length: context.options.bestofn_n }, async (_, index): Promise<Candidate> => {
        const text = await createCandidate(context, index)
        if (!offered) context.offerBest(text)
        offered = true
        return { index, text }
      }),
    )
    const best = await rateAndSelect(context, candidates)
    yield* emitAnswer(best.text)
  },
})
