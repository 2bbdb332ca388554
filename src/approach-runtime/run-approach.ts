import type { Approach } from '../core/approach.js'
import type { Provider, UpstreamCallObserver } from '../core/provider.js'
import { createCallLedger } from './call-ledger.js'
import type { SettingDefaults } from './request-settings.js'
import { runPlan, type PlanStage, type RunPlanInput } from './run-plan.js'
import { toProxyError, type ProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { WebServices } from '../core/services/web.js'
import { builtInApproachDefaults, planRequest, type PlanRequestInput, type RequestPlan } from '../plan/plan-request.js'
import type { Tracing } from '../tracing/create-tracing.js'
import type { TraceRecorder } from '../tracing/request-trace.js'

/** A parsed request as the runner takes it (see planRequest). */
export type ApproachRunInput = PlanRequestInput

export interface RequestScope {
  /** Aborts when the client disconnects; reaches every upstream call. */
  signal: AbortSignal
  /** The client's bearer key, forwarded upstream when the proxy has none of its own. */
  apiKey?: string
  /** The request's trace: its id (the request id), route and the client's W3C traceparent. */
  trace?: { id: string; route?: string; traceparent?: string }
  /** Who hears of each upstream call of this request (its log line, metrics, the chosen-target header). */
  observer?: UpstreamCallObserver
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

export { builtInApproachDefaults }

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
 * Plans a parsed request and starts it (for callers without production operations: eval, benches, tests).
 * Everything that can be rejected up front (unknown slug, bad options) throws a 400 here, before any upstream call.
 * @example const { events, upstreamCalls } = startApproach(dependencies, parsed, { signal })
 */
export function startApproach(dependencies: PipelineDependencies, input: ApproachRunInput, scope: RequestScope): StartedApproach {
  return runRequestPlan(dependencies, planRequest(input, dependencies), scope)
}

/**
 * Runs a request's plan: its stages on its run request, every upstream call counted in one ledger that carries the
 * plan's deadlines, the client's key and the scope's observer. Reads the plan; decides nothing again.
 * @example const started = runRequestPlan(dependencies, plan, { signal, observer })
 */
export function runRequestPlan(dependencies: PipelineDependencies, plan: RequestPlan, scope: RequestScope): StartedApproach {
  const { settings, passThrough, runs, label: approachLabel } = plan
  const callOptions = {
    ...(scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }),
    ...(plan.timeouts === undefined ? {} : { requestTimeouts: plan.timeouts }),
    ...(scope.observer === undefined ? {} : { observer: scope.observer }),
  }
  const ledger = createCallLedger(dependencies.provider, callOptions, settings)
  const { web: webFactory, ...sharedServices } = dependencies.services ?? {}
  const web = webFactory?.forRequest()
  const stages: PlanStage[] = plan.stages.map((stage) => ({ approach: stage.approach, options: stage.options }))
  const events = (async function* (): AsyncGenerator<StreamEvent> {
    // a pass-through's one call ends with its stream (or the client's signal): it needs no signal of its own
    const run = passThrough ? undefined : new AbortController()
    const signal = run === undefined ? scope.signal : AbortSignal.any([scope.signal, run.signal])
    const tracer = startRequestTrace(dependencies.tracing, scope, {
      model: plan.request.model,
      approachLabel,
      operator: plan.operator,
      runs,
      streaming: plan.streaming,
    })
    let completed = false
    let failure: ProxyError | undefined
    try {
      const events = runPlan({
        operator: plan.operator,
        stages,
        request: plan.runRequest,
        runs,
        streaming: plan.streaming,
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
  return { request: plan.request, events, upstreamCalls: () => ledger.upstreamCalls, approachLabel }
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
  const usage = {
    'gen_ai.usage.input_tokens': trace.promptTokens,
    'gen_ai.usage.output_tokens': trace.completionTokens,
    'optiproxy.upstream_calls': trace.upstreamCalls,
  }
  if (failure !== undefined)
    tracer.root.end(failure.status === 499 ? 'cancelled' : 'error', {
      ...usage,
      'error.type': failure.code ?? failure.type,
      'error.message': failure.message.slice(0, 500),
    })
  else tracer.root.end(completed ? 'ok' : 'cancelled', usage)
}

/**
 * The `x-optiproxy-upstream-calls` header: a JSON answer's header, a stream's HTTP trailer (the count is known
 * only when the stream ends; the `Trailer` header announces it).
 * @example respondWithEvents(events, responder, { ..., finalHeaders: upstreamCallsHeader(() => started.upstreamCalls()) })
 */
export function upstreamCallsHeader(count: () => number): { names: string[]; read: () => Record<string, string> } {
  return { names: ['x-optiproxy-upstream-calls'], read: () => ({ 'x-optiproxy-upstream-calls': String(count()) }) }
}
