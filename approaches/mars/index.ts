import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { runFinalStep } from '../shared/final-step.js'
import { selectBest, type Verification, verifyCandidate } from '../shared/judging.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'
import type { ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Agents solving independently; agent i samples at temperatures[i mod length]. */
    agents: z.int().min(1).max(8).default(3),
    temperatures: z.array(z.number().min(0).max(2)).min(1).default([0.3, 0.6, 1]),
    /** Independent verifications a solution must all pass to count as verified. */
    verifications: z.int().min(1).max(5).default(2),
    /** A verification passes at this score (0-10) or above. */
    pass_score: z.number().min(0).max(10).default(7),
  })
  .strict()
type MarsOptions = z.output<typeof optionsSchema>

const solveSystem = 'Solve the problem with complete, rigorous reasoning. State the final answer clearly at the end.'
const verifyPrompt = (problem: string, solution: string): string =>
  `Problem:\n${problem}\n\nSolution under review:\n${solution}\n\nVerify the solution line by line. List every error or gap ` +
  'you find, then end with "Score: N", N from 0 (wrong) to 10 (fully correct and complete).'
const improvePrompt = (problem: string, solution: string, feedback: string): string =>
  `Problem:\n${problem}\n\nA solution:\n${solution}\n\nA reviewer's findings:\n${feedback}\n\nWrite a corrected, complete solution that fixes every finding.`
const aggregatePrompt = (solutions: string[]): string =>
  `Independent, verified solutions to the request above:\n\n${solutions.map((text, index) => `### Solution ${index + 1}\n${text}`).join('\n\n')}\n\n` +
  'Combine them into one final answer: keep the reasoning they agree on, resolve any disagreement, and state the final answer clearly.'

interface Checked extends Verification {
  index: number
  text: string
}

async function verify(context: ApproachContext<MarsOptions>, problem: string, index: number, text: string): Promise<Checked> {
  const createRequest = () => createStepRequest(context.request, [createUserMessage(verifyPrompt(problem, text))], { temperature: 0 })
  const result = await verifyCandidate(context, index, createRequest, { times: context.options.verifications, passScore: context.options.pass_score })
  return { ...result, index, text }
}

/**
 * `mars`, multi-agent reasoning with verification and aggregation: `agents` solve concurrently at diverse
 * temperatures; each solution is verified `verifications` times (judging toolkit: pass threshold `pass_score`,
 * unreadable scores re-asked once); a solution that fails is improved once with the reviewers' findings and verified
 * again; the verified solutions (else the best-scored, ties to the earliest agent) are aggregated by a final step,
 * streamed. Calls with the defaults when all pass: 3 + 6 + 1 = 10; each failing solution adds 1 + 2.
 */
export const marsApproach = defineApproach({
  id: 'mars',
  description: 'Multi-agent reasoning: diverse agents solve, verify each other, improve, and aggregate.',
  optionsSchema,
  async *run(context) {
    const { request, options, task } = context
    const problem = renderProblem(task)
    const checked = await settleAll(
      Array.from({ length: options.agents }, async (_, agent) => {
        const temperature = options.temperatures[agent % options.temperatures.length] as number
        const text = readText(
          await context.generate(createStepRequest(request, [{ role: 'system', content: solveSystem }, ...request.messages], { temperature }), {
            name: 'candidate',
            index: agent,
          }),
        )
        context.trace(`[agent ${agent + 1}, temperature ${temperature}]\n${text}\n`)
        let result = await verify(context, problem, agent, text)
        context.trace(`[agent ${agent + 1} verification] ${result.passed ? 'passed' : 'failed'} (lowest score ${result.score ?? 'missing'})\n`)
        if (!result.passed) {
          const improved = readText(
            await context.generate(createStepRequest(request, [createUserMessage(improvePrompt(problem, text, result.feedback))], { temperature }), {
              name: 'improvement',
              index: agent,
            }),
          )
          result = await verify(context, problem, agent, improved)
          context.trace(`[agent ${agent + 1} improved, verification] ${result.passed ? 'passed' : 'failed'} (lowest score ${result.score ?? 'missing'})\n`)
        }
        if (result.passed) context.offerBest(result.text)
        return result
      }),
    )
    const verified = checked.filter((entry) => entry.passed)
    const chosen = verified.length > 0 ? verified : [selectBest(checked) as Checked]
    for (const entry of chosen)
      context.record({ kind: 'winner', candidate: entry.index, reason: entry.passed ? 'verified' : 'best verification score (none passed)' })
    context.offerBest((chosen[0] as Checked).text)
    yield* runFinalStep(context, createFinalRequest(request, [...request.messages, createUserMessage(aggregatePrompt(chosen.map((entry) => entry.text)))]), {
      name: 'synthesis',
    })
  },
})
