import { z } from 'zod'
import type { Approach } from '../core/approach.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import { formatParam } from '../openai/convert-zod-error.js'
import type { CallTimeouts } from '../../providers/middleware/timeouts-middleware.js'
import { convertRequestTimeouts, requestTimeoutsSchema } from '../operations/request-timeouts.js'

/** The general keys of the request's `optiproxy` object (the other keys are approach slugs). */
export const generalSettingsSchema = z.object({
  /** Stream the intermediate work as `reasoning_content` (and keep it in the non-streamed message). */
  trace: z.boolean().optional(),
  /** Most upstream calls this request may cause (at most the configured budget). */
  max_upstream_calls: z.int().min(1).max(10_000).optional(),
  /** Most tokens (prompt + completion over every call) this request may use. */
  max_total_tokens: z.int().min(1).optional(),
  /** Most upstream calls in flight at once (at most the configured limit). */
  max_parallel_calls: z.int().min(1).max(64).optional(),
  /** The request's own deadlines for each upstream call (they tighten the provider's, never loosen them). */
  timeouts: requestTimeoutsSchema.optional(),
})
export type GeneralSettings = z.infer<typeof generalSettingsSchema>

/** Settings of the whole request: the request's general keys over the configured defaults. */
export interface RunSettings {
  trace: boolean
  maxUpstreamCalls: number
  maxTotalTokens?: number
  maxParallelCalls: number
}

export interface SettingDefaults extends RunSettings {
  /** Per-slug option defaults from the configuration (`approachOptions`). */
  approachOptions: Record<string, Record<string, unknown>>
}

const generalKeys = new Set(Object.keys(generalSettingsSchema.shape))

/**
 * Each slug's options parsed from the configured defaults alone (a request that sets none of its own), per set of
 * defaults: parsed once, not on every request. Frozen, as every request shares them.
 */
const defaultOptionsCache = new WeakMap<SettingDefaults, Map<string, unknown>>()

function readDefaultOptions(approach: Approach<unknown>, defaults: SettingDefaults): { success: true; data: unknown } | { success: false; error: z.ZodError } {
  let cached = defaultOptionsCache.get(defaults)
  if (cached === undefined) defaultOptionsCache.set(defaults, (cached = new Map()))
  if (cached.has(approach.id)) return { success: true, data: cached.get(approach.id) }
  const parsed = approach.optionsSchema.safeParse({ ...defaults.approachOptions[approach.id] })
  if (parsed.success) cached.set(approach.id, typeof parsed.data === 'object' && parsed.data !== null ? Object.freeze(parsed.data) : parsed.data)
  return parsed
}

/**
 * Validates the request's `optiproxy` object: general keys, then each known slug's options (the config's
 * defaults for that slug under the request's values). Unknown keys and bad values are a 400 naming the key.
 * Returns the run settings, the request's own deadlines and the options of each approach in `approaches`.
 * @example readRequestSettings({ trace: false, bon: { n: 5 } }, [bon], defaults)
 */
export function readRequestSettings(
  raw: Record<string, unknown> | undefined,
  approaches: ReadonlyArray<Approach<unknown>>,
  registry: ReadonlyMap<string, Approach<unknown>>,
  defaults: SettingDefaults,
): { settings: RunSettings; options: Map<string, unknown>; timeouts?: CallTimeouts } {
  const body = raw ?? {}
  for (const key of Object.keys(body)) {
    if (!generalKeys.has(key) && !registry.has(key)) {
      throw createInvalidRequestError(
        `Unknown key 'optiproxy.${key}'. Known keys: ${[...generalKeys, ...registry.keys()].join(', ')}.`,
        `optiproxy.${key}`,
        'unknown_parameter',
      )
    }
  }
  // most requests carry no `optiproxy` object: nothing to validate then
  const general =
    raw === undefined
      ? { success: true as const, data: {} as GeneralSettings }
      : generalSettingsSchema.safeParse(Object.fromEntries(Object.entries(body).filter(([key]) => generalKeys.has(key))))
  if (!general.success) throw createOptionError(general.error.issues[0], [])
  // the operator's call budget and fan-out limit are ceilings: a request may lower them, never raise them
  // (and the token budget too, when the operator set one)
  const ceilings = [
    ['max_upstream_calls', general.data.max_upstream_calls, defaults.maxUpstreamCalls, '--approach-max-upstream-calls'],
    ['max_parallel_calls', general.data.max_parallel_calls, defaults.maxParallelCalls, '--approach-max-parallel-calls'],
    ['max_total_tokens', general.data.max_total_tokens, defaults.maxTotalTokens, 'approaches.max_total_tokens'],
  ] as const
  for (const [key, asked, ceiling, setting] of ceilings) {
    if (asked !== undefined && ceiling !== undefined && asked > ceiling) {
      throw createInvalidRequestError(
        `Invalid value for 'optiproxy.${key}': ${asked} is more than this proxy allows (${ceiling}, set by ${setting}).`,
        `optiproxy.${key}`,
        'invalid_value',
      )
    }
  }
  const settings: RunSettings = {
    trace: general.data.trace ?? defaults.trace,
    maxUpstreamCalls: general.data.max_upstream_calls ?? defaults.maxUpstreamCalls,
    maxParallelCalls: general.data.max_parallel_calls ?? defaults.maxParallelCalls,
  }
  const maxTotalTokens = general.data.max_total_tokens ?? defaults.maxTotalTokens
  if (maxTotalTokens !== undefined) settings.maxTotalTokens = maxTotalTokens
  const options = new Map<string, unknown>()
  const slugs = new Set([...approaches.map((approach) => approach.id), ...Object.keys(body).filter((key) => registry.has(key))])
  for (const slug of slugs) {
    const approach = registry.get(slug) as Approach<unknown>
    const given = body[slug]
    if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
      throw createInvalidRequestError(`Invalid value for 'optiproxy.${slug}': expected an object.`, `optiproxy.${slug}`, 'invalid_value')
    }
    const parsed =
      given === undefined ? readDefaultOptions(approach, defaults) : approach.optionsSchema.safeParse({ ...defaults.approachOptions[slug], ...given })
    if (!parsed.success) throw createOptionError(parsed.error.issues[0], [slug])
    options.set(slug, parsed.data)
  }
  const timeouts = general.data.timeouts === undefined ? undefined : convertRequestTimeouts(general.data.timeouts)
  return { settings, options, ...(timeouts === undefined ? {} : { timeouts }) }
}

function createOptionError(issue: z.core.$ZodIssue | undefined, prefix: string[]) {
  const path = [...prefix, ...(issue?.path ?? []).map(String)]
  const param = formatParam(['optiproxy', ...path])
  const message = issue?.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid option')
  return createInvalidRequestError(`Invalid value for '${param}': ${message}.`, param, 'invalid_value')
}

/**
 * Checks the configured per-slug option defaults once, at startup: every key must be a known slug whose
 * options schema accepts the values. Returns the problems (empty when all is well).
 * @example findApproachOptionProblems(registry, { bon: { n: 0 } }) // ["bon.n: Too small: expected number to be >=1"]
 */
export function findApproachOptionProblems(
  registry: ReadonlyMap<string, Approach<unknown>>,
  approachOptions: Record<string, Record<string, unknown>>,
): string[] {
  const problems: string[] = []
  for (const [slug, options] of Object.entries(approachOptions)) {
    const approach = registry.get(slug)
    if (approach === undefined) {
      problems.push(`${slug}: not a known approach (known: ${[...registry.keys()].join(', ')})`)
      continue
    }
    const parsed = approach.optionsSchema.safeParse(options)
    if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `${[slug, ...issue.path.map(String)].join('.')}: ${issue.message}`))
  }
  return problems
}
