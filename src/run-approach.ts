import type { Approach } from '../approaches/types.js'
import type { Provider } from '../providers/types.js'
import { createCallLedger } from './approach-runtime/call-ledger.js'
import { readRequestSettings, type SettingDefaults } from './approach-runtime/request-settings.js'
import { runPlan, type PlanStage, type RunPlanInput } from './approach-runtime/run-plan.js'
import type { ModelRequest } from './core/request.js'
import type { StreamEvent } from './core/stream-event.js'
import { resolveApproach, type ApproachSelection } from './routing/resolve-approach.js'

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
}

export interface PipelineDependencies {
  provider: Provider
  registry: ReadonlyMap<string, Approach<unknown>>
  defaultApproach: string
  /** Defaults of the `optiproxy` settings (trace, budgets, fan-out, per-slug options); built-in defaults when absent. */
  approachDefaults?: SettingDefaults
  /** Capabilities injected into every approach context (sandbox, solver, metrics); absent ones are left out. */
  services?: RunPlanInput['services']
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
  const { settings, options } = readRequestSettings(input.approachOptions, selection.approaches, registry, dependencies.approachDefaults ?? builtInApproachDefaults)
  const plan = choosePlan(selection, registry)
  const ledger = createCallLedger(dependencies.provider, scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }, settings)
  const passThrough = plan.operator === 'single' && plan.approaches[0]?.id === 'none'
  const { n, ...single } = selection.request
  const request = passThrough ? selection.request : removeTools(single)
  const stages: PlanStage[] = plan.approaches.map((approach) => ({ approach, options: options.get(approach.id) ?? {} }))
  const events = (async function* (): AsyncGenerator<StreamEvent> {
    // a pass-through's one call ends with its stream (or the client's signal): it needs no signal of its own
    const run = passThrough ? undefined : new AbortController()
    const signal = run === undefined ? scope.signal : AbortSignal.any([scope.signal, run.signal])
    let completed = false
    try {
      yield* runPlan({
        operator: plan.operator,
        stages,
        request,
        runs: passThrough ? 1 : (n ?? 1),
        streaming: input.streaming,
        trace: settings.trace,
        ledger,
        signal,
        ...(dependencies.services === undefined ? {} : { services: dependencies.services }),
      })
      if (ledger.usage !== undefined) yield { type: 'usage', usage: ledger.usage }
      completed = true
    } finally {
      // whatever is still in flight (after a failed branch, or a client that left) is no longer needed; after a
      // normal end nothing is, and aborting would close the upstream's kept-alive connections
      if (!completed) run?.abort()
    }
  })()
  const separator = plan.operator === 'pipeline' ? '&' : '|'
  return { request: selection.request, events, upstreamCalls: () => ledger.upstreamCalls, approachLabel: plan.approaches.map((approach) => approach.id).join(separator) }
}

/** Tool-bearing requests pass through as `none`: the approach would otherwise answer in text where the model wants a tool. */
function choosePlan(selection: ApproachSelection, registry: ReadonlyMap<string, Approach<unknown>>): Pick<ApproachSelection, 'operator' | 'approaches'> {
  const offersTools = (selection.request.tools?.length ?? 0) > 0 && selection.request.toolChoice !== 'none'
  const none = registry.get('none')
  if (offersTools && none !== undefined) return { operator: 'single', approaches: [none] }
  return selection
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
