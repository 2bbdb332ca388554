import { renderConversation } from '../shared/task-prompts.js'
import { z } from 'zod'
import type { SolverRun } from '../../src/core/services/solver.js'
import { runFinalStep } from '../shared/final-step.js'
import { createAssistantMessage, createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Solver time per run (capped by the solver's own limit). */
    timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
    /** Re-asks for a formulation that Z3 rejected (parse or sort errors). */
    max_repairs: z.number().int().min(0).max(3).default(1),
  })
  .strict()
type Z3Options = z.infer<typeof optionsSchema>

const formulatePrompt =
  'If the request above is a logic, scheduling, puzzle or constraint problem, formulate it for the Z3 solver: reply ' +
  'with one ```smt2 code block in SMT-LIB 2 that declares the unknowns, asserts every constraint, and ends with ' +
  '(check-sat) followed by (get-model) or (get-value (...)) for the values the answer needs. If the request is ' +
  'not such a problem, reply with the single word NO_SOLVER.'

const repairPrompt = 'Z3 rejected that script with the error below. Reply with one corrected ```smt2 code block.\n\nError:\n'

const answerPrompt =
  'Above is an SMT-LIB formulation of this request and what the Z3 solver answered. sat: the model or values ' +
  'satisfy every constraint, so base the answer on them. unsat: the constraints cannot all hold (say so, or ' +
  're-check the formulation if the request implies a solution exists). unknown or timeout: the solver could not ' +
  'decide, so reason it out yourself. Give the complete final answer to the request.'

/** The first ```smt2 (or ```smt, ```lisp, bare ```) block of a reply. */
function readSmtBlock(reply: string): string | undefined {
  const match = /```(?:smt2|smt|smtlib|lisp|scheme)?[ \t]*\n([^`]*)```/i.exec(reply.slice(0, 100_000))
  const body = match?.[1]?.trim()
  return body === undefined || body === '' ? undefined : body
}

function describeSolverRun(run: SolverRun): string {
  return [
    `Solver status: ${run.status} (${run.durationMs} ms)`,
    ...(run.output === '' ? [] : [`Solver output:\n${run.output.trim()}`]),
    ...(run.error === undefined ? [] : [`Problem: ${run.error}`]),
  ].join('\n')
}

async function solveTask(context: ApproachContext<Z3Options>): Promise<{ script: string; run: SolverRun } | undefined> {
  const { solver, options } = context
  if (solver === undefined) {
    context.trace('[z3] no solver is configured: answering without it\n')
    return undefined
  }
  const conversation = [...renderConversation(context.task), createUserMessage(formulatePrompt)]
  let reply = readText(await context.generate(createStepRequest(context.request, conversation, { temperature: 0 }), { name: 'formulation' }))
  for (let attempt = 0; ; attempt++) {
    const script = readSmtBlock(reply)
    if (script === undefined) {
      context.trace('[z3] the model gave no formulation: answering directly\n')
      return undefined
    }
    const run = await solver.solveSmtLib(script, { timeoutMs: options.timeout_ms }, context.signal)
    context.trace(
      `[z3] attempt ${attempt + 1}: ${run.status} after ${run.durationMs} ms${run.error === undefined ? '' : ` (${run.error.trim().slice(0, 200)})`}\n${run.output.trim()}\n`,
    )
    context.record({ kind: 'note', text: `z3 ${run.status}` })
    if (run.status !== 'error' || attempt >= options.max_repairs) return { script, run }
    conversation.push(createAssistantMessage(reply), createUserMessage(`${repairPrompt}${run.error ?? run.output}`))
    reply = readText(await context.generate(createStepRequest(context.request, conversation, { temperature: 0 }), { name: 'repair', index: attempt }))
  }
}

/**
 * `z3`: the model formulates the problem in SMT-LIB 2, the Z3 solver (WebAssembly, in a worker) decides it, and
 * the solver's answer (sat with its model, unsat, unknown, timeout) grounds the final answer. A rejected script
 * is sent back for repair (`max_repairs`). Calls: 2, plus one per repair; 2 when the model declines (NO_SOLVER).
 */
export const z3Approach: Approach<Z3Options> = {
  id: 'z3',
  description: 'Formulates logic and constraint problems in SMT-LIB for the Z3 solver and answers from its result.',
  optionsSchema: optionsSchema as z.ZodType<Z3Options>,
  async enrich(context) {
    const solved = await solveTask(context)
    if (solved === undefined) return context.task
    return {
      ...context.task,
      sources: [
        ...context.task.sources,
        { source: 'z3', title: 'Z3 solver result', text: `\`\`\`smt2\n${solved.script}\n\`\`\`\n${describeSolverRun(solved.run)}` },
      ],
    }
  },
  async *run(context) {
    const solved = await solveTask(context)
    const conversation = renderConversation(context.task)
    const messages =
      solved === undefined
        ? conversation
        : [...conversation, createUserMessage(`\`\`\`smt2\n${solved.script}\n\`\`\`\n${describeSolverRun(solved.run)}\n\n${answerPrompt}`)]
    yield* runFinalStep(context, createFinalRequest(context.request, messages))
  },
}
