import { renderConversation } from '../shared/task-prompts.js'
import { z } from 'zod'
import type { PythonRun } from '../../src/core/services/sandbox.js'
import { readQuestionText, type ApproachTask } from '../../src/core/task.js'
import { runFinalStep } from '../shared/final-step.js'
import { describePythonRun, noteRun, readPythonBlocks } from '../shared/python-code.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Let the model write a program when the question has none (one extra call). */
    write_code: z.boolean().default(true),
    /** Code blocks of the question run, at most. */
    max_blocks: z.number().int().min(1).max(5).default(3),
    /** Wall-clock limit per run (capped by the sandbox's own limit). */
    timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
    /** Output kept per run. */
    max_output_bytes: z.number().int().min(256).max(1_000_000).default(16_384),
  })
  .strict()
type ExecuteCodeOptions = z.infer<typeof optionsSchema>

const writeCodePrompt =
  'Decide whether running a short Python program would help answer the request above (arithmetic, counting, ' +
  'dates, simulation, checking a claim). If it would, reply with exactly one ```python code block that prints the ' +
  'values needed for the answer, using only the standard library, with no input() and no network or file access. ' +
  'If no computation is needed, reply with the single word NO_CODE.'

const answerPrompt =
  'Above are Python programs for this request and what running them produced. Treat the printed results as ' +
  'correct computations (they were actually executed); where a run failed, reason without it. Give the complete ' +
  'final answer to the request.'

/** Runs the question's own code blocks, or a program the model writes for it, and returns the runs as task sources. */
async function runCodeForTask(context: ApproachContext<ExecuteCodeOptions>): Promise<Array<{ code: string; run: PythonRun }>> {
  const { options, sandbox, task } = context
  if (sandbox === undefined) {
    context.trace('[executecode] no Python sandbox is configured: answering without running code\n')
    return []
  }
  let blocks = readPythonBlocks(readQuestionText(task), options.max_blocks)
  if (blocks.length === 0 && options.write_code) {
    const reply = readText(
      await context.generate(createStepRequest(context.request, [...renderConversation(task), createUserMessage(writeCodePrompt)], { temperature: 0 }), {
        name: 'code',
      }),
    )
    blocks = readPythonBlocks(reply, 1)
    if (blocks.length === 0) context.trace('[executecode] the model wrote no code: answering directly\n')
  }
  const runs: Array<{ code: string; run: PythonRun }> = []
  for (const [index, code] of blocks.entries()) {
    const run = await sandbox.runPython(code, { timeoutMs: options.timeout_ms, maxOutputBytes: options.max_output_bytes }, context.signal)
    context.trace(`${noteRun(run, index + 1)}${describePythonRun(run)}\n`)
    context.record({ kind: 'note', text: noteRun(run, index + 1).trim() })
    runs.push({ code, run })
  }
  return runs
}

function addRunsToTask(task: ApproachTask, runs: Array<{ code: string; run: PythonRun }>): ApproachTask {
  const sources = runs.map(({ code, run }, index) => ({
    source: `python:block-${index + 1}`,
    title: 'Python program and its execution',
    text: `\`\`\`python\n${code}\n\`\`\`\n${describePythonRun(run)}`,
  }))
  return { ...task, sources: [...task.sources, ...sources] }
}

/**
 * `executecode`: Python code blocks in the user's message (or, when there are none, a program the model writes
 * for the question) run in the sandbox; the model answers with their output in front of it. As a pipeline stage
 * before another approach, the runs become the task's sources. Calls: 1 when the message carries code, 2 when the
 * model writes it (its NO_CODE reply included: the answer is then a plain second call).
 */
export const executeCodeApproach: Approach<ExecuteCodeOptions> = {
  id: 'executecode',
  description: "Runs Python code blocks (the user's or written by the model) in a sandbox and answers with their output.",
  optionsSchema: optionsSchema as z.ZodType<ExecuteCodeOptions>,
  async enrich(context) {
    return addRunsToTask(context.task, await runCodeForTask(context))
  },
  async *run(context) {
    const runs = await runCodeForTask(context)
    const task = addRunsToTask(context.task, runs)
    const messages = renderConversation(task)
    yield* runFinalStep(context, createFinalRequest(context.request, runs.length === 0 ? messages : [...messages, createUserMessage(answerPrompt)]))
  },
}
