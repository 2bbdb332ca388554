import type { Approach, ApproachContext } from '../core/approach.js'
import { isBudgetExhausted } from '../core/budget-exhausted-error.js'
import { mergeAsyncIterables } from '../core/merge-async-iterables.js'
import type { Message } from '../core/message.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { type ApproachTask, createTaskFromMessages } from '../core/task.js'
import { renderConversation } from '../../approaches/shared/task-prompts.js'
import type { ApproachOperator } from '../routing/resolve-approach.js'
import { createStageTraceScope, type TraceRecorder } from '../tracing/request-trace.js'
import type { CallLedger } from './call-ledger.js'
import { interleaveTrace } from './interleave-trace.js'

export interface PlanStage {
  approach: Approach<unknown>
  options: unknown
}

export interface RunPlanInput {
  operator: ApproachOperator
  stages: PlanStage[]
  /** The request the approaches work on (no `n`, no tools). */
  request: ModelRequest
  /** Independent runs per branch (the client's `n`). */
  runs: number
  streaming: boolean
  trace: boolean
  ledger: CallLedger
  signal: AbortSignal
  /**
   * Capabilities for plugins: web fetch and search (with this request's fetch budget) and MCP tools; the Python
   * sandbox, the constraint solver, metrics and the strategy store, shared by the proxy's requests.
   */
  services?: Pick<ApproachContext<unknown>, 'web' | 'mcp' | 'sandbox' | 'solver' | 'metrics' | 'strategies'>
  /** The request's trace (its `request` span is open); undefined: tracing is off. */
  tracer?: TraceRecorder
}

/** A stage's span and the scope its calls and facts are recorded in. */
type StageTrace = ReturnType<typeof createStageTraceScope> & { end(outcome: 'ok' | 'cancelled' | 'error', error?: unknown): void }

/** Opens the span of one stage of one choice (`bon`, stage 2 of 3, choice 0); undefined when tracing is off. */
function openStageTrace(input: RunPlanInput, approachId: string, stage: number, stages: number, choice: number): StageTrace | undefined {
  const tracer = input.tracer
  if (tracer === undefined) return undefined
  const span = tracer.root.startChild('stage', approachId, {
    'optiproxy.approach': approachId,
    'optiproxy.stage': stage,
    'optiproxy.stages': stages,
    'optiproxy.choice': choice,
  })
  return {
    ...createStageTraceScope(tracer, span),
    end(outcome, error) {
      const cut = outcome === 'error' && (input.signal.aborted || isBudgetExhausted(error))
      span.end(
        cut ? 'cancelled' : outcome,
        error === undefined ? undefined : { 'error.message': error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500) },
      )
    },
  }
}

/** Runs `events` as one traced stage: its span ends when they end (cancelled when the consumer stopped early). */
function traceStage(trace: StageTrace | undefined, events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent> {
  // untraced, the events pass as they are: no extra generator on the request path
  return trace === undefined ? events : followStage(trace, events)
}

async function* followStage(trace: StageTrace, events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  let failure: unknown
  let completed = false
  try {
    for await (const event of events) {
      if (event.type === 'error') failure ??= event.error
      yield event
    }
    completed = true
  } catch (error) {
    failure = error
    throw error
  } finally {
    if (failure !== undefined) trace.end('error', failure)
    else trace.end(completed ? 'ok' : 'cancelled')
  }
}

/**
 * Runs a resolved plan and yields the client's choices: `single` gives `runs` choices of one approach,
 * `parallel` gives `runs` choices per branch (branch b's run j is choice b * runs + j), `pipeline` gives `runs`
 * choices, each the last stage's refinement of the earlier stages' answers. Runs go on concurrently.
 * @example yield* runPlan({ operator: 'single', stages: [{ approach: bon, options }], runs: 1, ... })
 */
export async function* runPlan(input: RunPlanInput): AsyncGenerator<StreamEvent> {
  const runs: Array<AsyncIterable<StreamEvent>> = []
  const branches = input.operator === 'parallel' ? input.stages.map((stage) => [stage]) : [input.stages]
  branches.forEach((stages, branch) => {
    for (let run = 0; run < input.runs; run++) runs.push(guardBudget(input, branch * input.runs + run, stages))
  })
  if (runs.length === 1) {
    const only = input.stages[0] as PlanStage
    // a pass-through (`none`, one run) makes one call, traces nothing and cannot be cut off by a budget (the call
    // budget is at least 1 and the token budget is checked before the first call): no guard, no trace merging
    if (input.stages.length === 1 && only.approach.id === 'none') yield* runPassThrough(input, only)
    else yield* runs[0] as AsyncIterable<StreamEvent>
    return
  }
  for await (const { value } of mergeAsyncIterables(runs)) yield value
}

async function* runPassThrough(input: RunPlanInput, stage: PlanStage): AsyncGenerator<StreamEvent> {
  const stageTrace = openStageTrace(input, stage.approach.id, 0, 1, 0)
  const context = createStageContext(input, stage, input.request, createTaskFromMessages(input.request.messages), input.streaming, stageTrace, {
    trace: () => undefined,
    offerBest: () => undefined,
  })
  for await (const event of traceStage(stageTrace, stage.approach.run(context))) if (event.type !== 'usage') yield event
}

/** The context one stage's approach runs with. */
function createStageContext(
  input: RunPlanInput,
  stage: PlanStage,
  request: ModelRequest,
  task: ApproachTask,
  streaming: boolean,
  stageTrace: StageTrace | undefined,
  hooks: Pick<ApproachContext<unknown>, 'trace' | 'offerBest'>,
): ApproachContext<unknown> {
  return {
    request,
    task,
    options: stage.options,
    signal: input.signal,
    streaming,
    generate: (call, step) => input.ledger.generate(call, input.signal, step, stageTrace),
    stream: (call, step) => input.ledger.stream(call, input.signal, step, stageTrace),
    record: stageTrace === undefined ? () => undefined : (fact) => stageTrace.recordFact(fact),
    ...input.services,
    ...hooks,
  }
}

/** One choice: its stages in order; a budget cut-off ends it with the best answer so far and finish_reason `length`. */
async function* guardBudget(input: RunPlanInput, choice: number, stages: PlanStage[]): AsyncGenerator<StreamEvent> {
  const best: { text?: string } = {}
  let answered = false
  // ends this choice's calls still in flight when a budget cut-off ends the choice early
  const cutOff = new AbortController()
  const signal = AbortSignal.any([input.signal, cutOff.signal])
  try {
    for await (const event of runStages({ ...input, signal }, choice, stages, best)) {
      if (event.type === 'text-delta') answered = true
      yield event
    }
  } catch (error) {
    if (!isBudgetExhausted(error)) throw error
    cutOff.abort(error)
    input.tracer?.root.addEvent('budget_exhausted', {
      'optiproxy.choice': choice,
      'optiproxy.budget': error.budget,
      'optiproxy.budget.limit': error.limit,
      message: error.message,
    })
    input.tracer?.root.setAttributes({ 'optiproxy.budget.cut_off': true })
    if (input.trace) yield { type: 'reasoning-delta', choice, delta: `\n[budget] ${error.message} Returning the best answer so far.\n` }
    if (!answered) yield { type: 'text-delta', choice, delta: best.text ?? '' }
    yield { type: 'finish', choice, finishReason: 'length' }
  }
}

async function* runStages(input: RunPlanInput, choice: number, stages: PlanStage[], best: { text?: string }): AsyncGenerator<StreamEvent> {
  let task = createTaskFromMessages(input.request.messages)
  for (let index = 0; index < stages.length; index++) {
    const stage = stages[index] as PlanStage
    const last = index === stages.length - 1
    if (stages.length > 1 && input.trace) {
      yield { type: 'reasoning-delta', choice, delta: `\n[stage ${index + 1}/${stages.length}: ${stage.approach.id}]\n` }
    }
    const request = { ...input.request, messages: renderStageConversation(task) }
    const stageTrace = openStageTrace(input, stage.approach.id, index, stages.length, choice)
    if (last) {
      yield* traceStage(stageTrace, runApproach(input, stage, request, task, choice, input.streaming, best, stageTrace))
      return
    }
    const enrich = stage.approach.enrich
    if (enrich !== undefined) {
      // the plugin's notes (pages fetched, refusals, chunks chosen) go to the trace as it works
      const given = task
      let enriched = task
      try {
        yield* interleaveTrace(async function* (push) {
          const trace = input.trace ? (text: string) => push({ type: 'reasoning-delta', choice, delta: text }) : () => undefined
          enriched = await enrich.call(
            stage.approach,
            createStageContext(input, stage, request, given, false, stageTrace, { trace, offerBest: () => undefined }),
          )
        })
        stageTrace?.end('ok')
      } catch (error) {
        stageTrace?.end('error', error)
        throw error
      }
      task = enriched
      continue
    }
    let answer = ''
    for await (const event of traceStage(stageTrace, runApproach(input, stage, request, task, choice, false, best, stageTrace))) {
      if (event.type === 'text-delta') answer += event.delta
      else if (event.type === 'reasoning-delta' || event.type === 'error') yield event
    }
    best.text = answer
    if (input.trace) yield { type: 'reasoning-delta', choice, delta: `\n[stage ${index + 1} answer]\n${answer}\n` }
    task = { ...task, draft: answer }
  }
}

/**
 * The conversation a stage's request carries: the task's own; for a stage after the first, the question turn also
 * holds the previous stage's answer, marked as a draft from an earlier pass, and the instruction to refine it (see
 * approaches/shared/task-prompts.ts), so the question stays the last user turn and every approach sees both.
 */
function renderStageConversation(task: ApproachTask): Message[] {
  return renderConversation(task)
}

/** One approach run as choice `choice`: its trace interleaved, its usage left to the ledger, its choices renumbered. */
function runApproach(
  input: RunPlanInput,
  stage: PlanStage,
  request: ModelRequest,
  task: ApproachTask,
  choice: number,
  streaming: boolean,
  best: { text?: string },
  stageTrace: StageTrace | undefined,
): AsyncGenerator<StreamEvent> {
  return interleaveTrace(async function* (push) {
    const context = createStageContext(input, stage, request, task, streaming, stageTrace, {
      trace: input.trace ? (text) => push({ type: 'reasoning-delta', choice, delta: text }) : () => undefined,
      offerBest: (text) => {
        best.text = text
      },
    })
    for await (const event of stage.approach.run(context)) {
      if (event.type === 'usage') continue
      yield 'choice' in event ? { ...event, choice: event.choice + choice } : event
    }
  })
}
