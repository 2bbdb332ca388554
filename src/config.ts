import { parseArgs } from 'node:util'
import { z } from 'zod'
import { cacheFileSchema, providerLimitsFileSchema, resolveApiKeys, resolvedApiKeySchema, routingGroupFileSchema } from './operations/operations-file-schema.js'
import { ConfigFileError, configFileSchema, providerFileSchema, readConfigFile, type ConfigFile } from './config-file.js'

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
const approachOptionsSchema = z.union([z.record(z.string(), z.record(z.string(), z.unknown())), z.string()]).transform((value, context) => {
  if (typeof value !== 'string') return value
  try {
    return z.record(z.string(), z.record(z.string(), z.unknown())).parse(JSON.parse(value))
  } catch {
    context.addIssue({ code: 'custom', message: `expected a JSON object of objects keyed by approach slug, got '${value}'` })
    return z.NEVER
  }
})

/** The settings that have a flag or an environment variable (and may also come from the config file). */
export const settingsSchema = z.object({
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
  /** Redis for several instances: the Responses API (stored responses, event streams, the background-run queue), rate limits, the cache. */
  redisUrl: z.string().min(1).optional(),
  redisKeyPrefix: z.string().min(1).default('optiproxy:'),
  responseTtlSeconds: integer(1).default(86_400),
  responseStoreMax: integer(1).default(10_000),
  /** Bytes the in-memory response store holds at most (JSON size of responses, inputs, histories and events). */
  responseStoreMaxBytes: byteSizeSchema.pipe(z.number().int().min(1024)).default(256 * 1024 ** 2),
  runLeaseMs: integer(500).default(30_000),
  runDrainMs: integer(0).default(10_000),
  backgroundConcurrency: integer(1).default(16),
  // production operations (issue 6)
  connectTimeoutMs: integer(1).default(10_000),
  firstByteTimeoutMs: integer(1).optional(),
  totalTimeoutMs: integer(1).optional(),
  idleTimeoutMs: integer(1).optional(),
  maxConcurrentUpstream: integer(0).default(0),
  maxQueuedUpstream: integer(0).default(1000),
  maxMessages: integer(1).default(2048),
  maxChoices: integer(1).max(128).default(128),
  maxJsonDepth: integer(8).default(64),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  logPrompts: booleanSetting.default(false),
  shutdownGraceMs: integer(0).default(25_000),
  /** Time a client has to send a request's headers; then a 408 and the connection closes. */
  headersTimeoutMs: integer(100).default(10_000),
  /** Time a client has to send a whole request (headers and body); then a 408 and the connection closes. */
  requestTimeoutMs: integer(100).default(60_000),
  /** How long an idle keep-alive connection stays open. */
  serverKeepAliveMs: integer(100).default(5_000),
  degradedAfterFailures: integer(1).default(3),
  /** The YAML or JSON config file that was read, if any. */
  configPath: z.string().min(1).optional(),
  anthropicBaseUrl: z.url().optional(),
  anthropicApiKey: z.string().min(1).optional(),
  geminiBaseUrl: z.url().optional(),
  geminiApiKey: z.string().min(1).optional(),
  /** Signs the thinking blocks /v1/messages makes of approach work; shared by instances so each recognises the others'. */
  thinkingSecret: z.string().min(16).optional(),
  // plugins' outbound fetches and search (issue 13)
  fetchAllowHosts: z.string().optional(),
  fetchTimeoutMs: integer(100).default(10_000),
  fetchMaxBytes: byteSizeSchema.pipe(z.number().int().min(1024)).default(2 * 1024 ** 2),
  fetchMaxPerRequest: integer(0).max(100).default(10),
  searchBackend: z.enum(['searxng', 'brave', 'tavily']).optional(),
  searchUrl: z.url().optional(),
  braveApiKey: z.string().min(1).optional(),
  tavilyApiKey: z.string().min(1).optional(),
  mcpCallTimeoutMs: integer(100).default(30_000),
  /** The Python sandbox's ceilings (executecode, coc): a run's wall clock, the interpreter's memory. */
  pythonTimeoutMs: integer(100).max(600_000).default(5_000),
  pythonMemoryMb: integer(32).max(2048).default(256),
  /** The Z3 solver's ceiling per solve (z3). */
  solverTimeoutMs: integer(100).max(600_000).default(5_000),
  // request traces, OpenTelemetry and the console (issue 15)
  traceStore: z.enum(['memory', 'redis', 'off']).default('memory'),
  traceMaxCount: integer(1).default(1000),
  traceMaxBytes: byteSizeSchema.pipe(z.number().int().min(1024)).default(64 * 1024 ** 2),
  traceTtlSeconds: integer(1).default(86_400),
  traceMaxSpans: integer(10).max(100_000).default(2000),
  otelEndpoint: z.url().optional(),
  otelTracesEndpoint: z.url().optional(),
  otelServiceName: z.string().min(1).default('optiproxy'),
  adminKey: z.string().min(8).optional(),
  evalDir: z.string().min(1).optional(),
})
export type Settings = z.infer<typeof settingsSchema>

/** Everything the proxy runs with: the settings plus the config file's providers and model aliases. */
export const configSchema = settingsSchema.extend({
  /** Named upstreams from the config file; `api_key_env` is already resolved into `api_key`. */
  providers: z.record(z.string(), providerFileSchema).default({}),
  /** Model aliases from the config file: alias -> `provider/model`. */
  models: z.record(z.string(), z.string()).default({}),
  /** The provider of model names that name no provider and no known family. */
  defaultProvider: z.string().min(1).default('openai'),
  /** Per-provider deadlines and concurrency from the config file (`provider_limits`). */
  providerLimits: z.record(z.string(), providerLimitsFileSchema).default({}),
  /** The response cache from the config file (`cache`); absent: no cache. */
  cache: cacheFileSchema.optional(),
  /** Proxy keys from the config file (`api_keys`), each with its limits; `key_env` already read. */
  apiKeys: z.array(resolvedApiKeySchema).default([]),
  /** Routing groups from the config file (`groups`): alias -> several targets and a strategy. */
  groups: z.record(z.string(), routingGroupFileSchema).default({}),
  /** The config file as written and validated (empty without one): a section added to configFileShape appears here. */
  file: configFileSchema.default({}),
})
export type Config = z.infer<typeof configSchema>

/** Each setting: its CLI flag and environment variable(s). Secrets have no flag (a flag shows in `ps`). */
export const settingSources: Record<keyof Settings, { flag?: string; env: string; fallbackEnv?: string; description: string }> = {
  host: { flag: 'host', env: 'HOST', description: 'address to listen on (default 127.0.0.1; the Docker image uses 0.0.0.0)' },
  port: { flag: 'port', env: 'PORT', description: 'port to listen on (default 8000)' },
  openaiBaseUrl: { flag: 'openai-base-url', env: 'OPENAI_BASE_URL', description: 'OpenAI-compatible upstream (default https://api.openai.com/v1)' },
  openaiApiKey: { env: 'OPENAI_API_KEY', description: "the proxy's key for the upstream; unset: clients' own keys are forwarded" },
  proxyApiKey: { env: 'OPTIPROXY_API_KEY', description: 'key clients must send as Bearer (unset: no client auth)' },
  bodyLimitBytes: { flag: 'body-limit', env: 'OPTIPROXY_BODY_LIMIT', description: 'largest request body, e.g. 20mb (default 20mb)' },
  upstreamTimeoutMs: { flag: 'upstream-timeout-ms', env: 'OPTIPROXY_UPSTREAM_TIMEOUT_MS', description: 'timeout of one upstream call (default 600000)' },
  upstreamMaxRetries: {
    flag: 'upstream-max-retries',
    env: 'OPTIPROXY_UPSTREAM_MAX_RETRIES',
    description: 'retries of 408/409/429/5xx before the first byte (default 0)',
  },
  keepAliveMs: { flag: 'keep-alive-ms', env: 'OPTIPROXY_KEEPALIVE_MS', description: 'SSE keep-alive comment after this much silence (default 5000)' },
  defaultApproach: { flag: 'default-approach', env: 'OPTIPROXY_DEFAULT_APPROACH', description: 'approach when the request names none (default none)' },
  approachTrace: {
    flag: 'approach-trace',
    env: 'OPTIPROXY_APPROACH_TRACE',
    description: "stream approaches' intermediate work as reasoning_content (default true)",
  },
  approachMaxUpstreamCalls: {
    flag: 'approach-max-upstream-calls',
    env: 'OPTIPROXY_APPROACH_MAX_UPSTREAM_CALLS',
    description: 'upstream call budget of one request (default 64)',
  },
  approachMaxTotalTokens: {
    flag: 'approach-max-total-tokens',
    env: 'OPTIPROXY_APPROACH_MAX_TOTAL_TOKENS',
    description: 'token budget of one request, summed over its calls (default none)',
  },
  approachMaxParallelCalls: {
    flag: 'approach-max-parallel-calls',
    env: 'OPTIPROXY_APPROACH_MAX_PARALLEL_CALLS',
    description: 'upstream calls of one request in flight at once (default 4)',
  },
  approachOptions: { flag: 'approach-options', env: 'OPTIPROXY_APPROACH_OPTIONS', description: 'per-approach option defaults as JSON, e.g. {"bon":{"n":5}}' },
  redisUrl: {
    env: 'REDIS_URL',
    description: 'Redis shared by several instances: the Responses API, per-key rate limits, the response cache (unset: in memory, one instance)',
  },
  redisKeyPrefix: { flag: 'redis-key-prefix', env: 'OPTIPROXY_REDIS_KEY_PREFIX', description: 'prefix of every Redis key (default optiproxy:)' },
  responseTtlSeconds: {
    flag: 'response-ttl-seconds',
    env: 'OPTIPROXY_RESPONSE_TTL_SECONDS',
    description: 'how long stored responses are kept (default 86400)',
  },
  responseStoreMax: {
    flag: 'response-store-max',
    env: 'OPTIPROXY_RESPONSE_STORE_MAX',
    description: 'most responses kept in memory, least recently used go first (default 10000)',
  },
  responseStoreMaxBytes: {
    flag: 'response-store-max-bytes',
    env: 'OPTIPROXY_RESPONSE_STORE_MAX_BYTES',
    description: 'most bytes of responses kept in memory, e.g. 256mb (default 256mb)',
  },
  runLeaseMs: {
    flag: 'run-lease-ms',
    env: 'OPTIPROXY_RUN_LEASE_MS',
    description: 'lease of a background run; a run whose instance died ends failed after it (default 30000)',
  },
  runDrainMs: {
    flag: 'run-drain-ms',
    env: 'OPTIPROXY_RUN_DRAIN_MS',
    description: 'at shutdown, time for running background runs to finish before they end failed (default 10000)',
  },
  backgroundConcurrency: {
    flag: 'background-concurrency',
    env: 'OPTIPROXY_BACKGROUND_CONCURRENCY',
    description: 'background runs one instance executes at once with Redis (default 16)',
  },
  connectTimeoutMs: {
    flag: 'connect-timeout-ms',
    env: 'OPTIPROXY_CONNECT_TIMEOUT_MS',
    description: 'time to open a connection to an upstream (default 10000)',
  },
  firstByteTimeoutMs: {
    flag: 'first-byte-timeout-ms',
    env: 'OPTIPROXY_FIRST_BYTE_TIMEOUT_MS',
    description: "time to a stream's first event, or to a whole answer's headers (default: none)",
  },
  totalTimeoutMs: { flag: 'total-timeout-ms', env: 'OPTIPROXY_TOTAL_TIMEOUT_MS', description: 'time for a whole upstream call (default: none)' },
  idleTimeoutMs: {
    flag: 'idle-timeout-ms',
    env: 'OPTIPROXY_IDLE_TIMEOUT_MS',
    description: 'longest silence between two events of an upstream stream (default: none)',
  },
  maxConcurrentUpstream: {
    flag: 'max-concurrent-upstream',
    env: 'OPTIPROXY_MAX_CONCURRENT_UPSTREAM',
    description: 'upstream calls at once per provider; 0: no limit (default 0)',
  },
  maxQueuedUpstream: {
    flag: 'max-queued-upstream',
    env: 'OPTIPROXY_MAX_QUEUED_UPSTREAM',
    description: 'calls waiting for a slot per provider; more get a 429 (default 1000)',
  },
  maxMessages: { flag: 'max-messages', env: 'OPTIPROXY_MAX_MESSAGES', description: 'most messages in one request (default 2048)' },
  maxChoices: { flag: 'max-choices', env: 'OPTIPROXY_MAX_CHOICES', description: 'largest n, and prompts x n on /v1/completions (default 128)' },
  maxJsonDepth: { flag: 'max-json-depth', env: 'OPTIPROXY_MAX_JSON_DEPTH', description: 'deepest nesting of a JSON body (default 64)' },
  logLevel: { flag: 'log-level', env: 'OPTIPROXY_LOG_LEVEL', description: 'JSON log level: fatal, error, warn, info, debug, trace, silent (default info)' },
  logPrompts: { flag: 'log-prompts', env: 'OPTIPROXY_LOG_PROMPTS', description: 'put the conversation into request logs: true or false (default false)' },
  headersTimeoutMs: {
    flag: 'headers-timeout-ms',
    env: 'OPTIPROXY_HEADERS_TIMEOUT_MS',
    description: "time a client has to send a request's headers, then 408 (default 10000)",
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms',
    env: 'OPTIPROXY_REQUEST_TIMEOUT_MS',
    description: 'time a client has to send a whole request, body included, then 408 (default 60000)',
  },
  serverKeepAliveMs: {
    flag: 'server-keep-alive-ms',
    env: 'OPTIPROXY_SERVER_KEEP_ALIVE_MS',
    description: 'how long an idle client connection is kept open (default 5000)',
  },
  shutdownGraceMs: {
    flag: 'shutdown-grace-ms',
    env: 'OPTIPROXY_SHUTDOWN_GRACE_MS',
    description: 'on SIGTERM, time open requests get to finish before they end with an error (default 25000)',
  },
  degradedAfterFailures: {
    flag: 'degraded-after-failures',
    env: 'OPTIPROXY_DEGRADED_AFTER_FAILURES',
    description: 'upstream failures in a row after which /health reports a provider degraded (default 3)',
  },
  configPath: { flag: 'config', env: 'OPTIPROXY_CONFIG', description: 'YAML or JSON config file: providers, model aliases, defaults (see README)' },
  anthropicBaseUrl: { flag: 'anthropic-base-url', env: 'ANTHROPIC_BASE_URL', description: 'Anthropic API base URL (default https://api.anthropic.com)' },
  thinkingSecret: {
    env: 'OPTIPROXY_THINKING_SECRET',
    description: 'secret (16+ chars) that signs the thinking blocks of /v1/messages; unset: random per process',
  },
  anthropicApiKey: { env: 'ANTHROPIC_API_KEY', description: "the proxy's Anthropic key; unset: clients' own keys are forwarded" },
  geminiBaseUrl: { flag: 'gemini-base-url', env: 'GEMINI_BASE_URL', description: 'Gemini API base URL (default https://generativelanguage.googleapis.com)' },
  geminiApiKey: {
    env: 'GEMINI_API_KEY',
    fallbackEnv: 'GOOGLE_API_KEY',
    description: "the proxy's Gemini key (or GOOGLE_API_KEY); unset: clients' own keys are forwarded",
  },
  fetchAllowHosts: {
    flag: 'fetch-allow-hosts',
    env: 'OPTIPROXY_FETCH_ALLOW_HOSTS',
    description: 'hosts and CIDRs plugins may fetch from although private (comma list, e.g. docs.internal,10.1.0.0/16)',
  },
  fetchTimeoutMs: {
    flag: 'fetch-timeout-ms',
    env: 'OPTIPROXY_FETCH_TIMEOUT_MS',
    description: 'time for one plugin fetch, redirects and body included (default 10000)',
  },
  fetchMaxBytes: { flag: 'fetch-max-bytes', env: 'OPTIPROXY_FETCH_MAX_BYTES', description: 'most bytes read of one fetched page (default 2mb)' },
  fetchMaxPerRequest: { flag: 'fetch-max-per-request', env: 'OPTIPROXY_FETCH_MAX_PER_REQUEST', description: 'pages one request may fetch (default 10)' },
  searchBackend: {
    flag: 'search-backend',
    env: 'OPTIPROXY_SEARCH_BACKEND',
    description: 'searxng, brave or tavily (default: searxng with OPTIPROXY_SEARCH_URL, else the one with a key)',
  },
  searchUrl: { flag: 'search-url', env: 'OPTIPROXY_SEARCH_URL', description: "SearXNG's base URL (its JSON API); for brave/tavily, overrides their API URL" },
  braveApiKey: { env: 'OPTIPROXY_BRAVE_API_KEY', description: 'Brave Search API key (web_search, deep_research)' },
  tavilyApiKey: { env: 'OPTIPROXY_TAVILY_API_KEY', description: 'Tavily API key (web_search, deep_research)' },
  mcpCallTimeoutMs: { flag: 'mcp-call-timeout-ms', env: 'OPTIPROXY_MCP_CALL_TIMEOUT_MS', description: 'time for one MCP tool call (default 30000)' },
  pythonTimeoutMs: {
    flag: 'python-timeout-ms',
    env: 'OPTIPROXY_PYTHON_TIMEOUT_MS',
    description: 'ceiling of one Python sandbox run (executecode, coc), 100 to 600000 (default 5000)',
  },
  pythonMemoryMb: {
    flag: 'python-memory-mb',
    env: 'OPTIPROXY_PYTHON_MEMORY_MB',
    description: "ceiling of the Python interpreter's memory in MiB, 32 to 2048 (default 256)",
  },
  solverTimeoutMs: { flag: 'solver-timeout-ms', env: 'OPTIPROXY_SOLVER_TIMEOUT_MS', description: 'ceiling of one Z3 solve (z3), 100 to 600000 (default 5000)' },
  traceStore: {
    flag: 'traces',
    env: 'OPTIPROXY_TRACES',
    description: 'where request traces are kept: memory, redis (REDIS_URL, shared, with a TTL) or off (default memory)',
  },
  traceMaxCount: {
    flag: 'trace-max-count',
    env: 'OPTIPROXY_TRACE_MAX_COUNT',
    description: 'most traces kept (memory: the ring; redis: the index) (default 1000)',
  },
  traceMaxBytes: { flag: 'trace-max-bytes', env: 'OPTIPROXY_TRACE_MAX_BYTES', description: 'most bytes of traces kept in memory, e.g. 64mb (default 64mb)' },
  traceTtlSeconds: { flag: 'trace-ttl-seconds', env: 'OPTIPROXY_TRACE_TTL_SECONDS', description: 'how long Redis keeps a trace (default 86400)' },
  traceMaxSpans: {
    flag: 'trace-max-spans',
    env: 'OPTIPROXY_TRACE_MAX_SPANS',
    description: 'most spans one trace keeps; later ones are counted as dropped (default 2000)',
  },
  otelEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    description: 'OpenTelemetry collector (OTLP/HTTP): spans go to <endpoint>/v1/traces (unset: no export, nothing loaded)',
  },
  otelTracesEndpoint: { env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', description: 'the full OTLP/HTTP traces URL, instead of <endpoint>/v1/traces' },
  otelServiceName: { env: 'OTEL_SERVICE_NAME', description: 'service.name of the exported spans (default optiproxy)' },
  adminKey: { env: 'OPTIPROXY_ADMIN_KEY', description: 'key for /ui and /v1/optiproxy/* (unset: loopback clients only)' },
  evalDir: {
    flag: 'eval-dir',
    env: 'OPTIPROXY_EVAL_DIR',
    description: 'folder of `optiproxy eval` reports the console lists (default ./eval-results when it exists)',
  },
}

/** The config file's values as settings: the lowest layer, under environment variables and flags. */
function readFileSettings(file: ConfigFile): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    host: file.server?.host,
    port: file.server?.port,
    bodyLimitBytes: file.server?.body_limit,
    keepAliveMs: file.server?.keep_alive_ms,
    defaultApproach: file.defaults?.approach,
    upstreamTimeoutMs: file.defaults?.timeout_ms,
    upstreamMaxRetries: file.defaults?.max_retries,
  }
  if (file.approaches !== undefined) {
    const { trace, max_upstream_calls, max_total_tokens, max_parallel_calls, ...approachOptions } = file.approaches
    Object.assign(settings, {
      approachTrace: trace,
      approachMaxUpstreamCalls: max_upstream_calls,
      approachMaxTotalTokens: max_total_tokens,
      approachMaxParallelCalls: max_parallel_calls,
      approachOptions: Object.keys(approachOptions).length === 0 ? undefined : approachOptions,
    })
  }
  const builtIns = {
    openai: ['openaiBaseUrl', 'openaiApiKey'],
    anthropic: ['anthropicBaseUrl', 'anthropicApiKey'],
    gemini: ['geminiBaseUrl', 'geminiApiKey'],
  } as const
  for (const [id, [baseUrlKey, apiKeyKey]] of Object.entries(builtIns)) {
    const provider = file.providers?.[id]
    if (provider === undefined) continue
    settings[baseUrlKey] = provider.base_url
    settings[apiKeyKey] = provider.api_key
  }
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
}

/** The file's providers with `api_key_env` read from the environment (an unset variable means bring-your-own-key). */
function resolveProviderKeys(file: ConfigFile, env: NodeJS.ProcessEnv): ConfigFile['providers'] {
  const providers: NonNullable<ConfigFile['providers']> = {}
  for (const [id, provider] of Object.entries(file.providers ?? {})) {
    const { api_key_env: keyVariable, ...rest } = provider
    const key = keyVariable === undefined ? provider.api_key : env[keyVariable] || undefined
    providers[id] = { ...rest, ...(key === undefined ? {} : { api_key: key }) }
  }
  return providers
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads the configuration: CLI flags win over environment variables, which win over the config file
 * (`--config` / OPTIPROXY_CONFIG), which wins over the defaults.
 * Throws a ConfigError naming the flag and variable of a bad value, or the key path of a bad file entry.
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
  const configPath = flags.config ?? env.OPTIPROXY_CONFIG
  let file: ConfigFile = {}
  if (typeof configPath === 'string' && configPath !== '') {
    try {
      file = readConfigFile(configPath)
    } catch (error) {
      throw new ConfigError(error instanceof ConfigFileError ? error.message : String(error))
    }
  }
  const raw: Record<string, unknown> = readFileSettings(file)
  for (const [key, source] of Object.entries(settingSources)) {
    const value =
      (source.flag === undefined ? undefined : flags[source.flag]) ||
      env[source.env] ||
      (source.fallbackEnv === undefined ? undefined : env[source.fallbackEnv])
    if (value !== undefined && value !== '') raw[key] = value
  }
  raw.providers = resolveProviderKeys(file, env)
  raw.models = file.models ?? {}
  raw.providerLimits = file.provider_limits ?? {}
  raw.groups = file.groups ?? {}
  if (file.cache !== undefined) raw.cache = file.cache
  try {
    raw.apiKeys = resolveApiKeys(file.api_keys, env)
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${error instanceof Error ? error.message : String(error)}`)
  }
  raw.file = file
  if (file.defaults?.provider !== undefined) raw.defaultProvider = file.defaults.provider
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const source = settingSources[issue.path[0] as keyof Settings] as (typeof settingSources)[keyof Settings] | undefined
      const name =
        source === undefined
          ? issue.path.join('.')
          : [source.flag && `--${source.flag}`, source.env, configPath && 'the config file'].filter(Boolean).join(' / ')
      return `${name}: ${issue.message}`
    })
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data
}
