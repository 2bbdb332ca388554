import type { Approach } from '../core/approach.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'

/** An OptiLLM request field and the approach option it sets. */
export interface OptillmFieldMapping {
  readonly field: string
  readonly slug: string
  readonly option: string
}

/** OptiLLM's top-level request fields, read by the proxy and never forwarded upstream. */
export const optillmFieldMappings: readonly OptillmFieldMapping[] = [
  { field: 'mcts_simulations', slug: 'mcts', option: 'simulations' },
  { field: 'mcts_exploration', slug: 'mcts', option: 'exploration' },
  { field: 'mcts_depth', slug: 'mcts', option: 'depth' },
  { field: 'k', slug: 'majority_voting', option: 'k' },
  { field: 'max_iterations', slug: 'deep_research', option: 'max_iterations' },
  { field: 'max_sources', slug: 'deep_research', option: 'max_sources' },
  { field: 'num_results', slug: 'web_search', option: 'results' },
]

/** `mars_config` keys and the mars options they set; any other key is a 400 naming it. */
export const marsConfigMappings: Readonly<Record<string, string>> = {
  num_agents: 'agents',
  agent_temperatures: 'temperatures',
  temperatures: 'temperatures',
  consensus_threshold: 'verifications',
  verification_passes_required: 'verifications',
  pass_score: 'pass_score',
}

/**
 * Moves OptiLLM's request fields out of the request's extra bag into approach options (`mcts_simulations` ->
 * `optiproxy.mcts.simulations`, `mars_config.num_agents` -> `optiproxy.mars.agents`, ...), so they are never sent
 * upstream. A value the request also sets under `optiproxy.<slug>` keeps the `optiproxy` value. A bad value is a 400
 * naming the OptiLLM field. With majority_voting selected, the request's `temperature` is its sampling temperature.
 * @example applyOptillmFields(request, undefined, [mcts], registry).optiproxy // { mcts: { simulations: 4 } }
 */
export function applyOptillmFields(
  request: ModelRequest,
  optiproxy: Record<string, unknown> | undefined,
  selected: ReadonlyArray<Approach<unknown>>,
  registry: ReadonlyMap<string, Approach<unknown>>,
): { request: ModelRequest; optiproxy: Record<string, unknown> | undefined } {
  const extra = request.extra ?? {}
  const mapped: Record<string, Record<string, unknown>> = {}
  const set = (slug: string, option: string, value: unknown, field: string): void => {
    const approach = registry.get(slug)
    if (approach === undefined) return
    checkOption(approach, option, value, field)
    ;(mapped[slug] ??= {})[option] = value
  }
  const remaining: Record<string, unknown> = {}
  let changed = false
  for (const [key, value] of Object.entries(extra)) {
    const mapping = optillmFieldMappings.find((entry) => entry.field === key)
    if (mapping !== undefined) {
      changed = true
      if (value !== null) set(mapping.slug, mapping.option, value, key)
    } else if (key === 'mars_config') {
      changed = true
      readMarsConfig(value, set)
    } else {
      remaining[key] = value
    }
  }
  if (selected.some((approach) => approach.id === 'majority_voting') && request.temperature !== undefined) {
    set('majority_voting', 'temperature', request.temperature, 'temperature')
  }
  if (!changed && Object.keys(mapped).length === 0) return { request, optiproxy }
  const merged: Record<string, unknown> = { ...optiproxy }
  for (const [slug, options] of Object.entries(mapped)) {
    const given = merged[slug]
    merged[slug] = typeof given === 'object' && given !== null && !Array.isArray(given) ? { ...options, ...given } : given === undefined ? options : given
  }
  return { request: { ...request, extra: remaining }, optiproxy: merged }
}

function readMarsConfig(value: unknown, set: (slug: string, option: string, value: unknown, field: string) => void): void {
  if (value === null || value === undefined) return
  if (typeof value !== 'object' || Array.isArray(value))
    throw createInvalidRequestError("Invalid value for 'mars_config': expected an object.", 'mars_config', 'invalid_value')
  const entries = Object.entries(value as Record<string, unknown>)
  const unknown = entries.map(([key]) => key).filter((key) => marsConfigMappings[key] === undefined)
  if (unknown.length > 0) {
    throw createInvalidRequestError(
      `Unknown key(s) in 'mars_config': ${unknown.slice(0, 10).join(', ')}. Known keys: ${Object.keys(marsConfigMappings).join(', ')}.`,
      `mars_config.${unknown[0]}`,
      'unknown_parameter',
    )
  }
  for (const [key, entry] of entries) set('mars', marsConfigMappings[key] as string, entry, `mars_config.${key}`)
}

/** Checks one option value against the approach's schema; a bad value is a 400 naming the OptiLLM field. */
function checkOption(approach: Approach<unknown>, option: string, value: unknown, field: string): void {
  const parsed = approach.optionsSchema.safeParse({ [option]: value })
  if (parsed.success) return
  const issue = parsed.error.issues.find((entry) => entry.path[0] === option)
  if (issue === undefined) return
  throw createInvalidRequestError(`Invalid value for '${field}' (${approach.id}'s ${option}): ${issue.message}.`, field, 'invalid_value')
}
