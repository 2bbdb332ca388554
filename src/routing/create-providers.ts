import { createOpenAICompatibleProvider } from '../../providers/openai-compatible/index.js'
import type { Provider, ProviderCallOptions } from '../core/provider.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { ProviderFileSettings } from '../config-file.js'
import type { Config } from '../config.js'
import type { ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import { createRetryMiddleware } from '../../providers/middleware/retry-middleware.js'
import { wrapProvider } from '../../providers/middleware/wrap-provider.js'
import { createProviderDefaultsMiddleware } from './apply-provider-defaults.js'
import { createModelRouter, type ModelRouter, type RouteTarget } from './create-model-router.js'

/** One provider from its settings, without middlewares (one attempt per call); its timeout falls back to the global one. */
function createProvider(id: string, entry: ProviderFileSettings, config: Config): Provider {
  const timeoutMs = entry.timeout_ms ?? config.upstreamTimeoutMs
  const key = entry.api_key === undefined ? {} : { apiKey: entry.api_key }
  const baseURL = entry.base_url === undefined ? {} : { baseURL: entry.base_url }
  let provider: Provider
  if (entry.type === 'anthropic') {
    provider = loadOnFirstCall(id, async () =>
      (await import('../../providers/anthropic/index.js')).createAnthropicProvider({ id, ...baseURL, ...key, timeoutMs }),
    )
  } else if (entry.type === 'gemini') {
    provider = loadOnFirstCall(id, async () => (await import('../../providers/gemini/index.js')).createGeminiProvider({ id, ...baseURL, ...key, timeoutMs }))
  } else provider = createOpenAICompatibleProvider({ id, baseURL: entry.base_url ?? config.openaiBaseUrl, ...key, timeoutMs })
  return provider
}

/**
 * A provider whose module (converters, wire schemas; the vendor SDK loads later still) is loaded by its first call:
 * the built-in anthropic and gemini are always routable (bring-your-own-key), and most proxies never call them.
 * @example const provider = loadOnFirstCall('gemini', async () => (await import('../../providers/gemini/index.js')).createGeminiProvider(settings))
 */
function loadOnFirstCall(id: string, load: () => Promise<Provider>): Provider {
  let loaded: Provider | undefined
  let loading: Promise<Provider> | undefined
  const loadProvider = async (): Promise<Provider> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return (loaded ??= await loading)
  }
  async function* streamOnceLoaded(request: ModelRequest, options: ProviderCallOptions): AsyncIterable<StreamEvent> {
    yield* (await loadProvider()).stream(request, options)
  }
  return {
    id,
    generate: async (request, options) => (await loadProvider()).generate(request, options),
    stream: (request, options) => (loaded === undefined ? streamOnceLoaded(request, options) : loaded.stream(request, options)),
    listModels: async (options) => (await loadProvider()).listModels(options),
  }
}

/**
 * The settings of every provider: the config file's, and the built-in `openai`, `anthropic` and `gemini`, whose
 * base URL and key come from the settings (flags and variables, which already won over the file).
 */
function collectProviderSettings(config: Config): Map<string, ProviderFileSettings> {
  const entries = new Map<string, ProviderFileSettings>(Object.entries(config.providers))
  const withOverrides = (id: string, type: ProviderFileSettings['type'], baseUrl: string | undefined, apiKey: string | undefined): void => {
    const entry: ProviderFileSettings = { ...(entries.get(id) ?? { type }) }
    if (baseUrl !== undefined) entry.base_url = baseUrl
    if (apiKey !== undefined) entry.api_key = apiKey
    entries.set(id, entry)
  }
  withOverrides('openai', 'openai-compatible', config.openaiBaseUrl, config.openaiApiKey)
  withOverrides('anthropic', 'anthropic', config.anthropicBaseUrl, config.anthropicApiKey)
  withOverrides('gemini', 'gemini', config.geminiBaseUrl, config.geminiApiKey)
  return entries
}

/** What production operations add to the router (see src/operations): wrapped providers and routing groups. */
export interface ProvidersRouterHooks {
  /** The middlewares each provider runs with, outermost first (metrics and health, concurrency limit, deadlines); the retries and defaults go inside them. */
  createMiddlewares?: (id: string) => ProviderMiddleware[]
  /** More aliases, built on the (wrapped) providers: the routing groups. */
  createAliases?: (providers: ReadonlyMap<string, Provider>) => Iterable<[string, RouteTarget]>
  /** Told of a provider whose model list failed (GET /v1/models answers without it). */
  reportListFailure?: (providerId: string, error: unknown) => void
}

/**
 * One provider's middleware list, outermost first: the hooks' (metrics and health, concurrency, deadlines), then the
 * retries (`max_retries`, else the global setting; none at 0), so every attempt runs in the same slot and under the
 * same deadline and the layers above see one call, then the config file's defaults innermost (every attempt carries them).
 * @example wrapProvider(base, createProviderMiddlewares('groq', { type: 'openai-compatible', max_retries: 2 }, config, hooks))
 */
export function createProviderMiddlewares(id: string, entry: ProviderFileSettings, config: Config, hooks: ProvidersRouterHooks = {}): ProviderMiddleware[] {
  const maxRetries = entry.max_retries ?? config.upstreamMaxRetries
  const defaults = createProviderDefaultsMiddleware(entry.params, entry.models)
  return [
    ...(hooks.createMiddlewares?.(id) ?? []),
    ...(maxRetries === 0 ? [] : [createRetryMiddleware({ maxRetries })]),
    ...(defaults === undefined ? [] : [defaults]),
  ]
}

/**
 * The router the pipeline calls: every configured provider, the aliases, the default provider. GET /v1/models
 * lists the providers the operator set up (declared in the file, or given a key or base URL); an untouched
 * built-in anthropic/gemini stays routable (bring-your-own-key) but is not asked for its list.
 * @example const router = createProvidersRouter(loadConfig(argv, process.env))
 */
export function createProvidersRouter(config: Config, hooks: ProvidersRouterHooks = {}): ModelRouter {
  const settings = collectProviderSettings(config)
  const providers = new Map<string, Provider>()
  for (const [id, entry] of settings) {
    providers.set(id, wrapProvider(createProvider(id, entry, config), createProviderMiddlewares(id, entry, config, hooks)))
  }
  const aliases = new Map<string, RouteTarget>()
  for (const [alias, target] of Object.entries(config.models)) {
    const slash = target.indexOf('/')
    const provider = providers.get(target.slice(0, slash))
    if (provider !== undefined) aliases.set(alias, { provider, model: target.slice(slash + 1) })
  }
  for (const [alias, target] of hooks.createAliases?.(providers) ?? []) aliases.set(alias, target)
  const untouched = (id: string, baseUrl: string | undefined, apiKey: string | undefined): boolean =>
    config.providers[id] === undefined && baseUrl === undefined && apiKey === undefined
  const listedProviderIds = [...providers.keys()].filter(
    (id) =>
      !(id === 'anthropic' && untouched(id, config.anthropicBaseUrl, config.anthropicApiKey)) &&
      !(id === 'gemini' && untouched(id, config.geminiBaseUrl, config.geminiApiKey)),
  )
  return createModelRouter({
    providers,
    aliases,
    defaultProviderId: config.defaultProvider,
    listedProviderIds,
    ...(hooks.reportListFailure === undefined ? {} : { reportListFailure: hooks.reportListFailure }),
  })
}
