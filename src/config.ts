import { parseArgs } from 'node:util'
import { z } from 'zod'

const byteUnits: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 }

/** `20mb`, `512kb`, `1048576` → bytes. */
const byteSizeSchema = z.union([z.number(), z.string()]).transform((value, context) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value))
  const unit = byteUnits[(match?.[2] ?? '').toLowerCase() || 'b']
  if (match === null || unit === undefined) {
    context.addIssue({ code: 'custom', message: `expected a size such as 1048576, 512kb or 20mb, got '${value}'` })
    return z.NEVER
  }
  return Math.floor(Number(match[1]) * unit)
})

const integer = (minimum: number) => z.coerce.number().int().min(minimum)

/** `true`/`false` (also 1/0, yes/no, on/off) from a flag or variable, or a boolean. */
const booleanSetting = z.union([z.boolean(), z.stringbool()])

/** Per-slug approach option defaults as a JSON object: `{"bon":{"n":5},"moa":{"proposals":4}}`. */
const approachOptionsSchema = z
  .union([z.record(z.string(), z.record(z.string(), z.unknown())), z.string()])
  .transform((value, context) => {
    if (typeof value !== 'string') return value
    try {
      return z.record(z.string(), z.record(z.string(), z.unknown())).parse(JSON.parse(value))
    } catch {
      context.addIssue({ code: 'custom', message: `expected a JSON object of objects keyed by approach slug, got '${value}'` })
      return z.NEVER
    }
  })

export const configSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: integer(0).max(65535).default(8000),
  /** The default OpenAI-compatible upstream. */
  openaiBaseUrl: z.url().default('https://api.openai.com/v1'),
  openaiApiKey: z.string().min(1).optional(),
  /** When set, clients must send it as `Authorization: Bearer …`. */
  proxyApiKey: z.string().min(1).optional(),
  bodyLimitBytes: byteSizeSchema.pipe(z.number().int().min(1024)).default(20 * 1024 ** 2),
  upstreamTimeoutMs: integer(1).default(600_000),
  upstreamMaxRetries: integer(0).max(10).default(0),
  keepAliveMs: integer(100).default(5_000),
  defaultApproach: z.string().min(1).default('none'),
  approachTrace: booleanSetting.default(true),
  approachMaxUpstreamCalls: integer(1).default(64),
  approachMaxTotalTokens: integer(1).optional(),
  approachMaxParallelCalls: integer(1).max(64).default(4),
  approachOptions: approachOptionsSchema.default({}),
  /** Responses API: Redis for several instances (stored responses, event streams, the background-run queue). */
  redisUrl: z.string().min(1).optional(),
  redisKeyPrefix: z.string().min(1).default('optiproxy:'),
  responseTtlSeconds: integer(1).default(86_400),
  responseStoreMax: integer(1).default(10_000),
  runLeaseMs: integer(500).default(30_000),
  runDrainMs: integer(0).default(10_000),
  backgroundConcurrency: integer(1).default(16),
})
export type Config = z.infer<typeof configSchema>

/** Each setting: its CLI flag and environment variable. Secrets have no flag (a flag shows in `ps`). */
export const settingSources: Record<keyof Config, { flag?: string; env: string; description: string }> = {
  host: { flag: 'host', env: 'HOST', description: 'address to listen on (default 127.0.0.1; the Docker image uses 0.0.0.0)' },
  port: { flag: 'port', env: 'PORT', description: 'port to listen on (default 8000)' },
  openaiBaseUrl: { flag: 'openai-base-url', env: 'OPENAI_BASE_URL', description: 'OpenAI-compatible upstream (default https://api.openai.com/v1)' },
  openaiApiKey: { env: 'OPENAI_API_KEY', description: "the proxy's key for the upstream; unset: clients' own keys are forwarded" },
  proxyApiKey: { env: 'OPTIPROXY_API_KEY', description: 'key clients must send as Bearer (unset: no client auth)' },
  bodyLimitBytes: { flag: 'body-limit', env: 'OPTIPROXY_BODY_LIMIT', description: 'largest request body, e.g. 20mb (default 20mb)' },
  upstreamTimeoutMs: { flag: 'upstream-timeout-ms', env: 'OPTIPROXY_UPSTREAM_TIMEOUT_MS', description: 'timeout of one upstream call (default 600000)' },
  upstreamMaxRetries: { flag: 'upstream-max-retries', env: 'OPTIPROXY_UPSTREAM_MAX_RETRIES', description: 'retries of 408/409/429/5xx before the first byte (default 0)' },
  keepAliveMs: { flag: 'keep-alive-ms', env: 'OPTIPROXY_KEEPALIVE_MS', description: 'SSE keep-alive comment after this much silence (default 5000)' },
  defaultApproach: { flag: 'default-approach', env: 'OPTIPROXY_DEFAULT_APPROACH', description: 'approach when the request names none (default none)' },
  approachTrace: { flag: 'approach-trace', env: 'OPTIPROXY_APPROACH_TRACE', description: "stream approaches' intermediate work as reasoning_content (default true)" },
  approachMaxUpstreamCalls: { flag: 'approach-max-upstream-calls', env: 'OPTIPROXY_APPROACH_MAX_UPSTREAM_CALLS', description: 'upstream call budget of one request (default 64)' },
  approachMaxTotalTokens: { flag: 'approach-max-total-tokens', env: 'OPTIPROXY_APPROACH_MAX_TOTAL_TOKENS', description: 'token budget of one request, summed over its calls (default none)' },
  approachMaxParallelCalls: { flag: 'approach-max-parallel-calls', env: 'OPTIPROXY_APPROACH_MAX_PARALLEL_CALLS', description: 'upstream calls of one request in flight at once (default 4)' },
  approachOptions: { flag: 'approach-options', env: 'OPTIPROXY_APPROACH_OPTIONS', description: 'per-approach option defaults as JSON, e.g. {"bon":{"n":5}}' },
  redisUrl: { env: 'REDIS_URL', description: 'Redis for the Responses API across instances (unset: in memory, one instance)' },
  redisKeyPrefix: { flag: 'redis-key-prefix', env: 'OPTIPROXY_REDIS_KEY_PREFIX', description: 'prefix of every Redis key (default optiproxy:)' },
  responseTtlSeconds: { flag: 'response-ttl-seconds', env: 'OPTIPROXY_RESPONSE_TTL_SECONDS', description: 'how long stored responses are kept (default 86400)' },
  responseStoreMax: { flag: 'response-store-max', env: 'OPTIPROXY_RESPONSE_STORE_MAX', description: 'most responses kept in memory, least recently used go first (default 10000)' },
  runLeaseMs: { flag: 'run-lease-ms', env: 'OPTIPROXY_RUN_LEASE_MS', description: "lease of a background run; a run whose instance died ends failed after it (default 30000)" },
  runDrainMs: { flag: 'run-drain-ms', env: 'OPTIPROXY_RUN_DRAIN_MS', description: 'at shutdown, time for running background runs to finish before they end failed (default 10000)' },
  backgroundConcurrency: { flag: 'background-concurrency', env: 'OPTIPROXY_BACKGROUND_CONCURRENCY', description: 'background runs one instance executes at once with Redis (default 16)' },
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads the configuration: CLI flags win over environment variables, which win over defaults.
 * Throws a ConfigError naming the flag and variable of a bad value.
 * @example const config = loadConfig(process.argv.slice(2), process.env)
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const flagOptions = Object.fromEntries(
    Object.values(settingSources)
      .filter((source) => source.flag !== undefined)
      .map((source) => [source.flag as string, { type: 'string' as const }]),
  )
  let flags: Record<string, string | boolean | undefined>
  try {
    flags = parseArgs({ args: argv, options: flagOptions, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error))
  }
  const raw: Record<string, unknown> = {}
  for (const [key, source] of Object.entries(settingSources)) {
    const value = (source.flag === undefined ? undefined : flags[source.flag]) ?? env[source.env]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const source = settingSources[issue.path[0] as keyof Config]
      const name = source === undefined ? String(issue.path[0]) : [source.flag && `--${source.flag}`, source.env].filter(Boolean).join(' / ')
      return `${name}: ${issue.message}`
    })
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data
}
