import type { Approach } from '../core/approach.js'
import type { CallTimeouts } from '../../providers/middleware/timeouts-middleware.js'
import { readRequestSettings, type RunSettings, type SettingDefaults } from '../approach-runtime/request-settings.js'
import type { PlanStage } from '../approach-runtime/run-plan.js'
import type { ModelRequest } from '../core/request.js'
import { applyOptillmFields } from '../routing/apply-optillm-fields.js'
import { resolveApproach, type ApproachOperator, type ApproachSelection } from '../routing/resolve-approach.js'

/** What a request asks for, in any dialect, once parsed: the canonical request and the proxy's own fields. */
export interface PlanRequestInput {
  request: ModelRequest
  /** `optillm_approach` (or `approach`) from the body. */
  approachField?: string
  /** The body field's name, for the error's `param`. */
  approachFieldName?: string
  /** The body's `optiproxy` object: general settings and per-slug approach options. */
  optiproxy?: Record<string, unknown>
  streaming: boolean
}

/** What the plan is made against: the approaches there are, the default one and the configured settings. */
export interface PlanContext {
  registry: ReadonlyMap<string, Approach<unknown>>
  defaultApproach: string
  /** Defaults of the `optiproxy` settings; built-in defaults when absent. */
  approachDefaults?: SettingDefaults
}

/**
 * One request, decided once: everything downstream (limits, key checks, logs, metrics, the cache key, the runner,
 * background runs) reads this and resolves nothing again. Frozen.
 */
export interface RequestPlan {
  /** How the approaches combine, after every rule (a tool-bearing request is `single` `none`). */
  readonly operator: ApproachOperator
  /** The approaches that run, in order, each with its parsed options. */
  readonly stages: ReadonlyArray<Readonly<PlanStage>>
  /** Their slugs, as the key check sees them. */
  readonly slugs: ReadonlyArray<string>
  /** The label of logs, metrics and traces: `moa`, `moa&bon`, `bon|moa`. */
  readonly label: string
  /** The approaches the request named, before the tools rule (`bon` for a `bon` request with tools, which runs `none`). */
  readonly requestedLabel: string
  /** Where the approach came from: the tag, the field, the model prefix or the default. */
  readonly source: ApproachSelection['source']
  /** One upstream call with the client's request as sent (`none`, alone). */
  readonly passThrough: boolean
  /** The request as routed: the prefix and tag removed, OptiLLM fields moved into options. `model` is the target model. */
  readonly request: ModelRequest
  /** The request the approaches work on: no `n`, no native body, no tools unless the approach keeps them. */
  readonly runRequest: ModelRequest
  /** Independent runs per branch (the client's `n`; 1 for a pass-through, which sends `n` upstream). */
  readonly runs: number
  /** Choices the answer has: branches x runs (a pass-through's `n` counts too). */
  readonly choices: number
  /** The run's settings (trace, call and token budgets, fan-out). */
  readonly settings: Readonly<RunSettings>
  /** The request's own deadlines (`optiproxy.timeouts`), tightening each provider's; undefined when none. */
  readonly timeouts?: Readonly<CallTimeouts>
  readonly streaming: boolean
}

/** The built-in defaults of the `optiproxy` settings. */
export const builtInApproachDefaults: SettingDefaults = { trace: true, maxUpstreamCalls: 64, maxParallelCalls: 4, approachOptions: {} }

/**
 * Decides a request once: the approach (tag, field, prefix, default; then a request offering tools runs as `none`),
 * OptiLLM's body fields moved into options, the `optiproxy` object parsed by one schema (settings, timeouts, each
 * approach's options), the target model and the labels. Anything refusable throws a 400 here, before any call.
 * @example const plan = planRequest({ request, approachField: 'bon', streaming: false }, { registry, defaultApproach: 'none' })
 */
export function planRequest(input: PlanRequestInput, context: PlanContext): RequestPlan {
  const { registry } = context
  const selection = resolveApproach({
    request: input.request,
    defaultSlug: context.defaultApproach,
    registry,
    ...(input.approachField === undefined ? {} : { field: input.approachField }),
    ...(input.approachFieldName === undefined ? {} : { fieldName: input.approachFieldName }),
  })
  // OptiLLM's own body fields (mcts_simulations, mars_config, k, ...) become approach options, never upstream fields
  const optillm = applyOptillmFields(selection.request, input.optiproxy, selection.approaches, registry)
  const routed = optillm.request
  const { settings, options, timeouts } = readRequestSettings(
    optillm.optiproxy,
    selection.approaches,
    registry,
    context.approachDefaults ?? builtInApproachDefaults,
  )
  const chosen = chooseApproaches({ ...selection, request: routed }, registry)
  const passThrough = chosen.operator === 'single' && chosen.approaches[0]?.id === 'none'
  const keepsTools = chosen.operator === 'single' && chosen.approaches[0]?.keepsClientTools === true
  const { n, ...single } = routed
  // the client's native request is for one call as sent: an approach makes calls of its own
  const runRequest = passThrough ? routed : keepsTools ? removeNative(single) : removeTools(removeNative(single))
  const slugs = chosen.approaches.map((approach) => approach.id)
  const runs = passThrough ? 1 : (n ?? 1)
  const branches = chosen.operator === 'parallel' ? slugs.length : 1
  return Object.freeze({
    operator: chosen.operator,
    stages: Object.freeze(chosen.approaches.map((approach) => Object.freeze({ approach, options: options.get(approach.id) ?? {} }))),
    slugs: Object.freeze(slugs),
    label: slugs.join(chosen.operator === 'pipeline' ? '&' : '|'),
    requestedLabel: selection.approaches.map((approach) => approach.id).join(selection.operator === 'pipeline' ? '&' : '|'),
    source: selection.source,
    passThrough,
    request: routed,
    runRequest,
    runs,
    choices: branches * (n ?? 1),
    settings: Object.freeze(settings),
    ...(timeouts === undefined ? {} : { timeouts: Object.freeze(timeouts) }),
    streaming: input.streaming,
  })
}

/**
 * Tool-bearing requests pass through as `none`: the approach would otherwise answer in text where the model wants
 * a tool. An approach that handles tools itself (mcp) keeps them; with tool_choice `none` the approach runs.
 */
function chooseApproaches(selection: ApproachSelection, registry: ReadonlyMap<string, Approach<unknown>>): Pick<ApproachSelection, 'operator' | 'approaches'> {
  const offersTools = (selection.request.tools?.length ?? 0) > 0 && selection.request.toolChoice !== 'none'
  const none = registry.get('none')
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
