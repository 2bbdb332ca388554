import type { z } from 'zod'
import type { ModelResult } from './model-result.js'
import type { ModelRequest } from './request.js'
import type { StreamEvent } from './stream-event.js'
import type { ApproachFact, StepLabel } from './approach-step.js'
import type { ApproachTask } from './task.js'
import type { McpServices } from './services/mcp.js'
import type { WebServices } from './services/web.js'
import type { PythonSandbox } from './services/sandbox.js'
import type { ConstraintSolver } from './services/solver.js'
import type { ApproachMetrics } from './services/approach-metrics.js'
import type { StrategyStore } from './services/strategy-store.js'

/**
 * What an approach gets to work with. It never sees a provider or a wire format: `generate` and `stream`
 * are already routed to the target model, carry the request's AbortSignal and credentials, are counted
 * (upstream calls and usage), are bounded by the request's fan-out limit and checked against its budgets.
 */
export interface ApproachContext<Options> {
  /**
   * The client's request, with the approach prefix removed from the model name, `n` removed, and no tools: the
   * base of every request the approach sends (model, sampling settings, output format). Its `messages` are the
   * task's conversation; build prompts from `task`, never by digging in these messages.
   */
  readonly request: ModelRequest
  /** What the client asked, as data: instructions, history, the question, a pipeline stage's draft, plugin sources. */
  readonly task: ApproachTask
  /** The approach's options: its defaults, overridden by config, overridden by the request's `optiproxy.<slug>`. */
  readonly options: Options
  /** Aborts when the client leaves, the run ends, or the request times out. */
  readonly signal: AbortSignal
  /** True when the client reads a stream (the approach then streams its final step with `stream`). */
  readonly streaming: boolean
  /**
   * One whole answer. Throws a ProxyError on an upstream failure and a BudgetExhaustedError when the budget
   * allows no further call. Waits for a free slot when the fan-out limit is reached.
   */
  generate(request: ModelRequest, step?: StepLabel): Promise<ModelResult>
  /**
   * The answer as it arrives (the final step). Its usage is counted by the runner and not passed on.
   * Throws a BudgetExhaustedError on the first read when the budget allows no further call.
   */
  stream(request: ModelRequest, step?: StepLabel): AsyncIterable<StreamEvent>
  /** Records a structured fact (a rating, a vote tally, the winner) in the request's trace. */
  record(fact: ApproachFact): void
  /** Adds text to the intermediate trace, sent as `reasoning_content`; does nothing when the trace is off. */
  trace(text: string): void
  /** Records the best complete answer so far: what the client gets, with finish_reason `length`, if a budget runs out. */
  offerBest(text: string): void
  /** Guarded outbound fetches and web search (plugins); absent when the proxy runs without them. */
  readonly web?: WebServices
  /** The configured MCP servers' tools (the `mcp` plugin); absent when none is configured. */
  readonly mcp?: McpServices
  /** A Python sandbox (`executecode`, `coc`); absent when the proxy runs without it. */
  readonly sandbox?: PythonSandbox
  /** A constraint solver (`z3`); absent when the proxy runs without it. */
  readonly solver?: ConstraintSolver
  /** Counters an approach adds to /metrics (the router's choices); absent in direct runs. */
  readonly metrics?: ApproachMetrics
  /** Learned strategies per problem type (`spl`); absent when the proxy runs without a store. */
  readonly strategies?: StrategyStore
}

export interface Approach<Options = unknown> {
  /** The OptiLLM-compatible slug: 'none', 'bon', 'moa', ... */
  readonly id: string
  readonly description: string
  /** Validates `optiproxy.<slug>` (strict: unknown keys are a 400); every key has a default. */
  readonly optionsSchema: z.ZodType<Options>
  /** Yields the answer of choice 0 (only `none` yields more choices, when the client asked for n). */
  run(context: ApproachContext<Options>): AsyncIterable<StreamEvent>
  /**
   * Plugins only: enriches or rewrites the task (fetched pages, search results, selected chunks) for the next
   * pipeline stage. A stage that has `enrich` and is not the last runs `enrich` instead of `run`, and the next stage
   * gets the returned task (its draft unchanged). As the last stage (or alone) a plugin's `run` answers.
   */
  enrich?(context: ApproachContext<Options>): Promise<ApproachTask>
  /**
   * True for an approach that must not be a stage of an `&` pipeline (a 400 before any call): `privacy`, whose
   * promise (nothing personal leaves the proxy) no stage before it could keep and no stage after it would need.
   */
  readonly runsAlone?: boolean
  /**
   * Runs with the client's tools in its request (the `mcp` plugin) instead of the request passing through as `none`;
   * the approach passes any call of a client tool back to the client.
   */
  readonly keepsClientTools?: boolean
}
