import type { Approach } from '../approaches/types.js'
import type { Provider } from '../providers/types.js'
import { createCallLedger } from './approach-runtime/call-ledger.js'
import { readRequestSettings, type SettingDefaults } from './approach-runtime/request-settings.js'
import { runPlan, type PlanStage, type RunPlanInput } from './approach-runtime/run-plan.js'
import { toProxyError, type ProxyError } from './core/proxy-error.js'
import type { ModelRequest } from './core/request.js'
import type { StreamEvent } from './core/stream-event.js'
import type { WebServices } from './core/services/web.js'
import { applyOptillmFields } from './routing/apply-optillm-fields.js'
import { resolveApproach, type ApproachSelection } from './routing/resolve-approach.js'
import type { Tracing } from './tracing/create-tracing.js'
import type { TraceRecorder } from './tracing/request-trace.js'

export interface ApproachRunInput {
  request: ModelRequest
  approachField?: string
  approachFieldName?: string
  /** The body's `optiproxy` object: general settings and per-slug approach options. */
  approachOptions?: Record<string, unknown>
  streaming: boolean
}

export interface RequestScope {
  /** Aborts when the client disconnects; reaches every upstream call. */
  signal: AbortSignal
  /** The client's bearer key, forwarded upstream when the proxy has none of its own. */
  apiKey?: string
  /** The request's trace: its id (the request id), route and the client's W3C traceparent. */
  trace?: { id: string; route?: string; traceparent?: string }
}

export interface PipelineDependencies {
  provider: Provider
  registry: ReadonlyMap<string, Approach<unknown>>
  defaultApproach: string
  /** Defaults of the `optiproxy` settings (trace, budgets, fan-out, per-slug options); built-in defaults when absent. */
  approachDefaults?: SettingDefaults
  /**
   * Capabilities for plugins: guarded web fetch and search (a fresh fetch budget per request), MCP tools, and the
   * shared ones (sandbox, solver, metrics, strategy store); absent ones are left out.
   */
  services?: Omit<NonNullable<RunPlanInput['services']>, 'web'> & { web?: { forRequest(): WebServices } }
  /** Records each run's trace (request, stages, steps, upstream calls); absent: not traced. */
  tracing?: Tracing
}

/** The built-in defaults of the `optiproxy` settings. */
export const builtInApproachDefaults: SettingDefaults = { trace: true, maxUpstreamCalls: 64, maxParallelCalls: 4, approachOptions: {} }

export interface StartedApproach {
  /** The request as routed (the approach prefix removed from the model name). */
  request: ModelRequest
  /** The answer's events; usage comes once, at the end, summed over every upstream call. */
  events: AsyncIterable<StreamEvent>
  /** Upstream calls started so far: exact once `events` is done. */
  upstreamCalls(): number
  /** The approach(es) that run, as `moa`, `moa&bon`, `bon|moa`. */
  approachLabel: string
}

/**
 * Resolves the approach(es) and options for a parsed request and starts them. Everything that can be rejected
 * up front (unknown slug, bad options) throws a 400 here, before any upstream call.
 *
 * A request that offers tools (and does not set tool_choice `none`) runs as `none` whatever approach it names:
 * the tool calls pass through in one upstream call. With tool_choice `none`, the tools are removed and the approach runs.
 * @example const { events, upstreamCalls } = startApproach(dependencies, parsed, { signal })
 */
export function startApproach(dependencies: PipelineDependencies, input: ApproachRunInput, scope: RequestScope): StartedApproach {
  const selection = resolveApproach({
    request: input.request,
    defaultSlug: dependencies.defaultApproach,
    registry: dependencies.registry,
    ...(input.approachField === undefined ? {} : { field: input.approachField }),
    ...(input.approachFieldName === undefined ? {} : { fieldName: input.approachFieldName }),
  })
  const { registry } = dependencies
  // OptiLLM's own body fields (mcts_simulations, mars_config, k, ...) become approach options, never upstream fields
  const optillm = applyOptillmFields(selection.request, input.approachOptions, selection.approaches, registry)
  selection.request = optillm.request
  const { settings, options } = readRequestSettings(optillm.approachOptions, selection.approaches, registry, dependencies.approachDefaults ?? builtInApproachDefaults)
  const plan = choosePlan(selection, registry)
  const ledger = createCallLedger(dependencies.provider, scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }, settings)
  const passThrough = plan.operator === 'single' && plan.approaches[0]?.id === 'none'
  const { n, ...single } = selection.request
  // the client's native request is for one call as sent: an approach makes calls of its own
  const keepsTools = plan.operator === 'single' && plan.approaches[0]?.keepsClientTools === true
  const request = passThrough ? selection.request : keepsTools ? removeNative(single) : removeTools(removeNative(single))
  const { web: webFactory, ...sharedServices } = dependencies.services ?? {}
  const web = webFactory?.forRequest()
  const stages: PlanStage[] = plan.approaches.map((approach) => ({ approach, options: options.get(approach.id) ?? {} }))
  const separator = plan.operator === 'pipeline' ? '&' : '|'
  const approachLabel = plan.approaches.map((approach) => approach.id).join(separator)
  const runs = passThrough ? 1 : (n ?? 1)
  const events = (async function* (): AsyncGenerator<StreamEvent> {
    // a pass-through's one call ends with its stream (or the client's signal): it needs no signal of its own
    const run = passThrough ? undefined : new AbortController()
    const signal = run === undefined ? scope.signal : AbortSignal.any([scope.signal, run.signal])
    const tracer = startRequestTrace(dependencies.tracing, scope, { model: selection.request.model, approachLabel, operator: plan.operator, runs, streaming: input.streaming })
    let completed = false
    let failure: ProxyError | undefined
    try {
      const events = runPlan({
        operator: plan.operator,
        stages,
        request,
        runs,
        streaming: input.streaming,
        trace: settings.trace,
        ledger,
        signal,
        services: { ...sharedServices, ...(web === undefined ? {} : { web }) },
        ...(tracer === undefined ? {} : { tracer }),
      })
      if (tracer === undefined) yield* events
      else {
        for await (const event of events) {
          if (event.type === 'error') failure ??= event.error
          yield event
        }
      }
      if (ledger.usage !== undefined) yield { type: 'usage', usage: ledger.usage }
      completed = true
    } catch (error) {
      failure = toProxyError(error)
      throw error
    } finally {
      // whatever is still in flight (after a failed branch, or a client that left) is no longer needed; after a
      // normal end nothing is, and aborting would close the upstream's kept-alive connections
      if (!completed) run?.abort()
      if (tracer !== undefined) endRequestTrace(tracer, completed, failure)
    }
  })()
  return { request: selection.request, events, upstreamCalls: () => ledger.upstreamCalls, approachLabel }
}

/** Opens the request span of a run when the app traces and the scope names the trace. */
function startRequestTrace(
  tracing: Tracing | undefined,
  scope: RequestScope,
  run: { model: string; approachLabel: string; operator: string; runs: number; streaming: boolean },
): TraceRecorder | undefined {
  if (tracing === undefined || scope.trace === undefined) return undefined
  return tracing.start({
    id: scope.trace.id,
    name: run.approachLabel,
    model: run.model,
    approach: run.approachLabel,
    ...(scope.trace.route === undefined ? {} : { route: scope.trace.route }),
    ...(scope.trace.traceparent === undefined ? {} : { traceparent: scope.trace.traceparent }),
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': run.model,
      'optiproxy.approach': run.approachLabel,
      'optiproxy.operator': run.operator,
      'optiproxy.runs': run.runs,
      'optiproxy.stream': run.streaming,
    },
  })
}

/** Ends the request span: ok, an error (the first error event or the exception), or cancelled (the consumer left). */
function endRequestTrace(tracer: TraceRecorder, completed: boolean, failure: ProxyError | undefined): void {
  const { trace } = tracer
  const usage = { 'gen_ai.usage.input_tokens': trace.promptTokens, 'gen_ai.usage.output_tokens': trace.completionTokens, 'optiproxy.upstream_calls': trace.upstreamCalls }
  if (failure !== undefined) tracer.root.end(failure.status === 499 ? 'cancelled' : 'error', { ...usage, 'error.type': failure.code ?? failure.type, 'error.message': failure.message.slice(0, 500) })
  else tracer.root.end(completed ? 'ok' : 'cancelled', usage)
}

/** Tool-bearing requests pass through as `none`: the approach would otherwise answer in text where the model wants a tool. */
function choosePlan(selection: ApproachSelection, registry: ReadonlyMap<string, Approach<unknown>>): Pick<ApproachSelection, 'operator' | 'approaches'> {
  const offersTools = (selection.request.tools?.length ?? 0) > 0 && selection.request.toolChoice !== 'none'
  const none = registry.get('none')
  // an approach that handles tools itself (mcp) keeps them; the client's tool calls come back to the client
  if (selection.operator === 'single' && selection.approach.keepsClientTools === true) return selection
  if (offersTools && none !== undefined) return { operator: 'single', approaches: [none] }
  return selection
}

function removeNative(request: ModelRequest): ModelRequest {
  const { native: _native, ...rest } = request
  return rest
}

function removeTools(request: ModelRequest): ModelRequest {
  const { tools: _tools, toolChoice: _choice, parallelToolCalls: _parallel, ...rest } = request
  return rest
}

/**
 * The `x-optiproxy-upstream-calls` header: a JSON answer's header, a stream's HTTP trailer (the count is known
 * only when the stream ends; the `Trailer` header announces it).
 * @example respondWithEvents(events, responder, { ..., finalHeaders: upstreamCallsHeader(() => started.upstreamCalls()) })
 */
export function upstreamCallsHeader(count: () => number): { names: string[]; read: () => Record<string, string> } {
  return { names: ['x-optiproxy-upstream-calls'], read: () => ({ 'x-optiproxy-upstream-calls': String(count()) }) }
}
