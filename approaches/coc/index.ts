import { z } from 'zod'
import type { PythonRun } from '../../src/core/services/sandbox.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { extractFinalAnswer } from '../shared/answers.js'
import { defineApproach } from '../shared/define-approach.js'
import { runFinalStep } from '../shared/final-step.js'
import { describePythonRun, noteRun, readPythonBlocks } from '../shared/python-code.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { renderConversation } from '../shared/task-prompts.js'
import type { ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Lines the model simulates (a failing line is replaced by the state it would produce), at most. */
    max_simulations: z.int().min(0).max(8).default(3),
    /** Wall-clock limit per run (capped by the sandbox's own limit). */
    timeout_ms: z.int().min(100).max(60_000).default(5_000),
  })
  .strict()
type CocOptions = z.infer<typeof optionsSchema>

const writeProgramPrompt =
  'Solve the request above by writing one ```python code block that carries out the reasoning step by step. Compute ' +
  'whatever can be computed in plain Python. For a step that needs judgement or world knowledge instead (a semantic ' +
  'step), still write it as a line of code, calling a descriptive helper function that you do not define, for ' +
  'example `is_fruit = is_a_fruit("tomato")`: such lines will be simulated. Print the final result at the end.'

const simulatePrompt = (program: string, line: number, text: string, error: string, state: string): string =>
  `This program is run line by line; line ${line} cannot be executed:\n\n\`\`\`python\n${program}\n\`\`\`\n\n` +
  `Line ${line}: ${text.trim()}\nError: ${error}\n${state === '' ? '' : `Output so far:\n${state}\n`}\n` +
  'Simulate that line: reply with one ```python code block of plain assignments of literal values (numbers, strings, ' +
  'lists, dicts, booleans) that give every variable the line would set the value it should have. No function calls.'

const answerPrompt = (program: string, run: PythonRun): string =>
  `Above is the request. This program works through it (lines that could not run were simulated):\n\n\`\`\`python\n${program}\n\`\`\`\n\n` +
  `${describePythonRun(run)}\n\nUsing this result where it is sound, give the complete final answer, ending with a last line "Answer: ...".`

/** The program with line `line` (from 1) replaced by `replacement`, indented like the line it replaces. */
function replaceLine(program: string, line: number, replacement: string): string {
  const lines = program.split('\n')
  const original = lines[line - 1] ?? ''
  const indent = /^\s*/.exec(original)?.[0] ?? ''
  lines.splice(line - 1, 1, ...replacement.split('\n').map((text) => `${indent}${text}`))
  return lines.join('\n')
}

/** Runs the program; a failing line is simulated by the model and the program runs again, up to max_simulations. */
async function runWithSimulation(context: ApproachContext<CocOptions>, first: string): Promise<{ program: string; run: PythonRun } | undefined> {
  const sandbox = context.sandbox
  if (sandbox === undefined) {
    context.trace('[coc] no Python sandbox is configured: answering without running the program\n')
    return undefined
  }
  let program = first
  for (let simulations = 0; ; simulations++) {
    const run = await sandbox.runPython(program, { timeoutMs: context.options.timeout_ms }, context.signal)
    context.trace(`${noteRun(run, simulations + 1)}`)
    const line = run.errorLine
    if (run.status !== 'error' || line === undefined || simulations >= context.options.max_simulations) return { program, run }
    const failing = program.split('\n')[line - 1] ?? ''
    const reply = readText(
      await context.generate(
        createStepRequest(context.request, [createUserMessage(simulatePrompt(program, line, failing, run.error ?? '', run.stdout.slice(-2_000)))], {
          temperature: 0,
        }),
        { name: 'simulation', index: simulations },
      ),
    )
    const replacement = readPythonBlocks(reply, 1)[0]
    if (replacement === undefined) return { program, run }
    context.trace(`[coc] simulated line ${line} (${failing.trim().slice(0, 120)}) as:\n${replacement}\n`)
    context.record({ kind: 'note', text: `coc simulated line ${line}` })
    program = replaceLine(program, line, replacement)
  }
}

/**
 * `coc`, chain of code: the model writes a program for its reasoning, with semantic steps as calls to helpers it
 * does not define. The program runs in the sandbox; a line that fails (a semantic step, or any runtime error) is
 * simulated by the model, which gives the state it would produce, and the program runs again with that line
 * replaced, up to `max_simulations` times. The final answer is written from the program's result, streamed, and
 * its extracted answer (shared extractor) is traced. Calls: 2 plus one per simulated line.
 */
export const chainOfCodeApproach = defineApproach({
  id: 'coc',
  description: 'Chain of code: reasoning as a program; runnable lines run in the sandbox, the others are simulated by the model.',
  optionsSchema,
  async *run(context) {
    const conversation = renderConversation(context.task)
    const reply = readText(
      await context.generate(createStepRequest(context.request, [...conversation, createUserMessage(writeProgramPrompt)], { temperature: 0 }), {
        name: 'code',
      }),
    )
    const program = readPythonBlocks(reply, 1)[0]
    const outcome = program === undefined ? undefined : await runWithSimulation(context, program)
    if (program === undefined) context.trace('[coc] the model wrote no program: answering directly\n')
    if (outcome !== undefined) context.trace(`[coc] final run\n${describePythonRun(outcome.run)}\n`)
    const messages = outcome === undefined ? conversation : [...conversation, createUserMessage(answerPrompt(outcome.program, outcome.run))]
    let answer = ''
    for await (const event of runFinalStep(context, createFinalRequest(context.request, messages)) as AsyncIterable<StreamEvent>) {
      if (event.type === 'text-delta') answer += event.delta
      if (event.type === 'finish') {
        const extracted = extractFinalAnswer(answer)
        context.trace(`[coc] final answer: ${extracted ?? 'none found'}\n`)
        context.record({ kind: 'note', text: `coc final answer ${extracted ?? 'none'}` })
      }
      yield event
    }
  },
})
