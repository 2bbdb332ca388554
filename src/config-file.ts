import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { z } from 'zod'
import { formatParam } from './openai/convert-zod-error.js'
import { mcpServersFileSchema } from './mcp/mcp-server-schema.js'
import { operationsFileShape } from './operations/operations-file-schema.js'

/** The provider ids that exist without a file (from OPENAI_*, ANTHROPIC_*, GEMINI_* variables). */
export const builtInProviderIds = ['openai', 'anthropic', 'gemini'] as const

const providerIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, { error: 'a provider id has letters, digits, ".", "_" or "-" and no "/"' })
const positiveInteger = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' })

/** Request parameters a provider applies when the request does not set them. */
export const providerParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: positiveInteger.optional(),
  seed: z.number().int().optional(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high']).optional(),
})
export type ProviderParams = z.infer<typeof providerParamsSchema>

/** One named upstream. */
export const providerFileSchema = z.strictObject({
  type: z.enum(['openai-compatible', 'anthropic', 'gemini'], { error: "expected 'openai-compatible', 'anthropic' or 'gemini'" }),
  /** OpenAI-compatible: including the version path (`https://api.groq.com/openai/v1`). Anthropic, Gemini: the SDK's base URL. */
  base_url: z.url({ error: 'expected a URL' }).optional(),
  /** The key, written in the file. Prefer api_key_env. */
  api_key: z.string().min(1).optional(),
  /** The environment variable that holds the key. */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
    .optional(),
  timeout_ms: positiveInteger.optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
  /** Default request parameters for this provider. */
  params: providerParamsSchema.optional(),
  /** Models listed by GET /v1/models when the vendor has no list endpoint (or in place of it). */
  models: z.array(z.string().min(1)).optional(),
})
export type ProviderFileSettings = z.infer<typeof providerFileSchema>

/** The listener. Flags and environment variables override these. */
export const serverFileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  body_limit: z.union([z.number(), z.string()]).optional(),
  keep_alive_ms: z.number().int().min(100).optional(),
})

export const defaultsFileSchema = z.strictObject({
  /** The provider of a model name that has no provider prefix and no `claude-` / `gemini-` family (default `openai`). */
  provider: providerIdSchema.optional(),
  approach: z.string().min(1).optional(),
  timeout_ms: positiveInteger.optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
})

/**
 * Approach settings for every request (a request's `optiproxy` object may lower the budgets): the general keys,
 * and option defaults per slug (`bon: { n: 5 }`), checked against each approach's schema at startup.
 */
export const approachesFileSchema = z
  .object({
    trace: z.boolean().optional(),
    max_upstream_calls: positiveInteger.optional(),
    max_total_tokens: positiveInteger.optional(),
    max_parallel_calls: positiveInteger.max(64).optional(),
  })
  .catchall(z.record(z.string(), z.unknown(), { error: 'expected the options of an approach, e.g. bon: { n: 5 }' }))

/**
 * The top-level keys of the config file. Add a section here (and only here) to extend the file:
 * every key is checked, an unknown one is an error.
 */
export const configFileShape = {
  server: serverFileSchema.optional(),
  providers: z.record(providerIdSchema, providerFileSchema).optional(),
  /** Aliases: `fast: groq/llama-3.3-70b-versatile`. The alias is what clients send as `model`. */
  models: z.record(z.string().min(1), z.string().min(1)).optional(),
  defaults: defaultsFileSchema.optional(),
  approaches: approachesFileSchema.optional(),
  /** MCP servers whose tools the `mcp` plugin offers: name -> { command, args } (stdio) or { url } (streamable HTTP). */
  mcp_servers: mcpServersFileSchema.optional(),
  /** provider_limits and groups (production operations). */
  ...operationsFileShape,
}

export const configFileSchema = z.strictObject(configFileShape).superRefine((file, context) => {
  const known = new Set<string>([...builtInProviderIds, ...Object.keys(file.providers ?? {})])
  for (const [alias, target] of Object.entries(file.models ?? {})) {
    const slash = target.indexOf('/')
    const providerId = slash > 0 ? target.slice(0, slash) : ''
    if (!known.has(providerId) || slash === target.length - 1) {
      context.addIssue({
        code: 'custom',
        path: ['models', alias],
        message: `expected 'provider/model' with a configured provider (${[...known].join(', ')}), got '${target}'`,
      })
    }
  }
  for (const [alias, group] of Object.entries(file.groups ?? {})) {
    group.targets.forEach((entry, index) => {
      const target = typeof entry === 'string' ? entry : entry.target
      const slash = target.indexOf('/')
      if (!known.has(target.slice(0, Math.max(0, slash))) || slash === target.length - 1) {
        context.addIssue({
          code: 'custom',
          path: ['groups', alias, 'targets', index],
          message: `expected 'provider/model' with a configured provider (${[...known].join(', ')}), got '${target}'`,
        })
      }
    })
    if (file.models?.[alias] !== undefined)
      context.addIssue({ code: 'custom', path: ['groups', alias], message: `'${alias}' is also a model alias; a name is either an alias or a group` })
  }
  for (const id of Object.keys(file.provider_limits ?? {})) {
    if (!known.has(id)) context.addIssue({ code: 'custom', path: ['provider_limits', id], message: `unknown provider '${id}'` })
  }
  if (file.defaults?.provider !== undefined && !known.has(file.defaults.provider)) {
    context.addIssue({ code: 'custom', path: ['defaults', 'provider'], message: `unknown provider '${file.defaults.provider}'` })
  }
  for (const [id, provider] of Object.entries(file.providers ?? {})) {
    if (provider.type === 'openai-compatible' && provider.base_url === undefined && id !== 'openai') {
      context.addIssue({ code: 'custom', path: ['providers', id, 'base_url'], message: 'an openai-compatible provider needs a base_url' })
    }
    if (provider.api_key !== undefined && provider.api_key_env !== undefined) {
      context.addIssue({ code: 'custom', path: ['providers', id, 'api_key'], message: 'set api_key or api_key_env, not both' })
    }
  }
})
export type ConfigFile = z.infer<typeof configFileSchema>

export class ConfigFileError extends Error {
  override name = 'ConfigFileError'
}

/** `providers.groq.base_url: expected a URL`; an unknown key is named in full: `providers.groq.colour: unknown key`. */
function formatFileIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${formatParam([...issue.path, key])}: unknown key`)
    return [`${formatParam(issue.path) || '(top level)'}: ${issue.message}`]
  })
}

/**
 * Validates a parsed config file (the object read from YAML or JSON).
 * Throws a ConfigFileError listing every bad key by its path.
 * @example parseConfigFile({ providers: { groq: { type: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1' } } })
 */
export function parseConfigFile(value: unknown, source = 'config file'): ConfigFile {
  const parsed = configFileSchema.safeParse(value ?? {})
  if (!parsed.success) throw new ConfigFileError(`Invalid ${source}:\n  ${formatFileIssues(parsed.error.issues).join('\n  ')}`)
  return parsed.data
}

/** The YAML parser, loaded when a YAML file is read (a proxy without one does not pay for it at start-up). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return yaml.parse(text)
}

/**
 * Reads and validates a config file: `.json` is JSON, anything else YAML (which also reads JSON).
 * @example const file = readConfigFile('optiproxy.yaml')
 */
export function readConfigFile(path: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigFileError(`Cannot read the config file ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let value: unknown
  try {
    value = path.toLowerCase().endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown)
  } catch (error) {
    throw new ConfigFileError(
      `The config file ${path} is not valid ${path.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return parseConfigFile(value, `config file ${path}`)
}
