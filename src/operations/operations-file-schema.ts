import { z } from 'zod'

const positiveInteger = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' })

/** `provider_limits.<provider id>` in the config file: one provider's deadlines and concurrency (else the global settings). */
export const providerLimitsFileSchema = z.strictObject({
  connect_timeout_ms: positiveInteger.optional(),
  first_byte_timeout_ms: positiveInteger.optional(),
  total_timeout_ms: positiveInteger.optional(),
  idle_timeout_ms: positiveInteger.optional(),
  /** Upstream calls at once; 0: no limit. */
  max_concurrent: z.number().int().min(0).optional(),
  max_queued: z.number().int().min(0).optional(),
})
export type ProviderLimitsFile = z.infer<typeof providerLimitsFileSchema>

const groupTargetSchema = z.union([
  z.string().min(1),
  z.strictObject({ target: z.string().min(1), weight: z.number().positive({ error: 'expected a weight above 0' }).optional() }),
])

/** `groups.<alias>` in the config file: a model name served by several targets. */
export const routingGroupFileSchema = z.strictObject({
  /** fallback: in order; weighted: by weight, then the others; least-busy: fewest calls in flight, then the others. */
  strategy: z.enum(['fallback', 'weighted', 'least-busy'], { error: "expected 'fallback', 'weighted' or 'least-busy'" }).default('fallback'),
  /** `provider/model`, or `{ target: provider/model, weight: 3 }`. */
  targets: z.array(groupTargetSchema).min(1, { error: 'a group needs at least one target' }),
  /** Failures in a row after which a target rests. */
  failure_threshold: positiveInteger.optional(),
  /** How long a failing target rests before it is tried again. */
  cooldown_ms: positiveInteger.optional(),
})
export type RoutingGroupFile = z.infer<typeof routingGroupFileSchema>

/** `api_keys[]` in the config file: one proxy key, its name (logged instead of the key) and its limits. */
export const apiKeyFileSchema = z
  .strictObject({
    /** Shown in logs and metrics; the key itself never is. */
    name: z
      .string()
      .min(1)
      .regex(/^[\w.-]+$/, { error: 'a key name has letters, digits, ".", "_" or "-"' }),
    /** The key, written in the file. Prefer key_env. */
    key: z.string().min(8, { error: 'a key needs at least 8 characters' }).optional(),
    /** The environment variable that holds the key. */
    key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
      .optional(),
    /** Model names this key may use (as the client sends them, without an approach prefix); absent: all. */
    models: z.array(z.string().min(1)).optional(),
    /** Approach slugs this key may run; absent: all. */
    approaches: z.array(z.string().min(1)).optional(),
    requests_per_minute: positiveInteger.optional(),
    /** Prompt plus completion tokens per minute, counted when each answer ends. */
    tokens_per_minute: positiveInteger.optional(),
  })
  .refine((entry) => (entry.key === undefined) !== (entry.key_env === undefined), { error: 'set exactly one of key and key_env' })
export type ApiKeyFile = z.infer<typeof apiKeyFileSchema>

/** `cache` in the config file: the response cache (exact match on the canonical request). */
export const cacheFileSchema = z.strictObject({
  /** Model names (aliases, groups) whose requests use the cache without asking; others opt in with `x-optiproxy-cache: use`. */
  aliases: z.array(z.string().min(1)).default([]),
  /** Also cache requests whose temperature is not 0 (default: only temperature 0). */
  any_temperature: z.boolean().default(false),
  ttl_ms: positiveInteger.default(3_600_000),
  /** The in-memory store's bounds. */
  max_entries: positiveInteger.default(1000),
  max_bytes: positiveInteger.default(64 * 1024 * 1024),
  /** memory, or redis (needs REDIS_URL; shared by every instance). Default: redis when REDIS_URL is set. */
  store: z.enum(['memory', 'redis']).optional(),
})
export type CacheFile = z.infer<typeof cacheFileSchema>

/** The config file's top-level keys for production operations. */
export const operationsFileShape = {
  cache: cacheFileSchema.optional(),
  api_keys: z.array(apiKeyFileSchema).optional(),
  provider_limits: z.record(z.string().min(1), providerLimitsFileSchema).optional(),
  groups: z.record(z.string().min(1), routingGroupFileSchema).optional(),
}

/** One proxy key as the server runs with it: the file's entry with `key_env` read. */
export const resolvedApiKeySchema = z.object({
  name: z.string().min(1),
  key: z.string().min(8),
  models: z.array(z.string()).optional(),
  approaches: z.array(z.string()).optional(),
  requests_per_minute: z.number().int().min(1).optional(),
  tokens_per_minute: z.number().int().min(1).optional(),
})
export type ResolvedApiKey = z.infer<typeof resolvedApiKeySchema>

/**
 * The file's `api_keys` with each `key_env` read from the environment; an unset variable is an error naming it.
 * @example resolveApiKeys(file.api_keys, process.env)
 */
export function resolveApiKeys(entries: ApiKeyFile[] | undefined, env: NodeJS.ProcessEnv): ResolvedApiKey[] {
  return (entries ?? []).map((entry, index) => {
    const { key_env: variable, key, ...rest } = entry
    const value = variable === undefined ? key : env[variable]
    if (value === undefined || value.length < 8)
      throw new Error(`api_keys[${index}].key_env: the variable ${variable} is not set (or shorter than 8 characters)`)
    return { ...rest, key: value }
  })
}
