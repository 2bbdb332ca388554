import type { ModelInfo, Provider, ProviderCallOptions } from '../core/provider.js'
import type { ModelResult } from '../core/model-result.js'
import { ProxyError, toProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'

/** Where one model name goes: the provider that serves it and the name that provider knows it by. */
export interface RouteTarget {
  provider: Provider
  model: string
}

export interface ModelRouterSettings {
  /** Every routable provider by id (`openai`, `anthropic`, `gemini`, `groq`, ...): what `id/model` can name. */
  providers: ReadonlyMap<string, Provider>
  /** Aliases: the name clients send -> any target. A target's provider may itself be a router or a fallback group. */
  aliases?: ReadonlyMap<string, RouteTarget>
  /** The provider of names that match nothing else. */
  defaultProviderId: string
  /** Model-name families and their provider ids, tried in order (default: `claude-` -> anthropic, `gemini-` -> gemini). */
  families?: ReadonlyArray<{ prefix: string; providerId: string }>
  /** Providers whose models GET /v1/models lists (default: all); the others are routable but not listed. */
  listedProviderIds?: ReadonlyArray<string>
  /** Told of a provider whose model list failed (the list goes on without it); default: stderr. */
  reportListFailure?: (providerId: string, error: unknown) => void
}

/** A Provider that dispatches each call by `request.model`, plus the step that decides where a name goes. */
export interface ModelRouter extends Provider {
  /** Resolves a model name; throws a 400 ProxyError when nothing serves it. */
  resolveTarget(model: string): RouteTarget
}

const defaultFamilies = [
  { prefix: 'claude-', providerId: 'anthropic' },
  { prefix: 'gemini-', providerId: 'gemini' },
]

/**
 * Routes by model name, in this order:
 * 1. an alias (`fast` -> groq/llama-3.3-70b-versatile, or any Provider);
 * 2. `provider/model` when `provider` is a configured provider id (`anthropic/claude-sonnet-4-5`); a prefix that
 *    is not a provider id stays part of the name (`meta-llama/llama-3.3-70b` goes to the default upstream whole);
 * 3. a family: `claude-*` to anthropic, `gemini-*` to gemini (when those providers exist);
 * 4. the default provider.
 * The chosen provider gets the request with the model name rewritten to the vendor's.
 * @example const router = createModelRouter({ providers: new Map([['openai', openai], ['anthropic', anthropic]]), defaultProviderId: 'openai' })
 */
export function createModelRouter(settings: ModelRouterSettings): ModelRouter {
  const families = settings.families ?? defaultFamilies
  const defaultProvider = settings.providers.get(settings.defaultProviderId)
  if (defaultProvider === undefined) throw new Error(`The default provider '${settings.defaultProviderId}' is not configured.`)

  function resolveTarget(model: string): RouteTarget {
    const alias = settings.aliases?.get(model)
    if (alias !== undefined) return alias
    const slash = model.indexOf('/')
    if (slash > 0) {
      const provider = settings.providers.get(model.slice(0, slash))
      const rest = model.slice(slash + 1)
      if (provider !== undefined) {
        if (rest === '')
          throw new ProxyError(`The model '${model}' names a provider but no model.`, {
            status: 400,
            type: 'invalid_request_error',
            param: 'model',
            code: 'model_not_found',
          })
        return { provider, model: rest }
      }
    }
    for (const family of families) {
      if (!model.startsWith(family.prefix)) continue
      const provider = settings.providers.get(family.providerId)
      if (provider !== undefined) return { provider, model }
    }
    return { provider: defaultProvider as Provider, model }
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    const target = resolveTarget(request.model)
    return target.provider.generate({ ...request, model: target.model }, options)
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    let target: RouteTarget
    try {
      target = resolveTarget(request.model)
    } catch (error) {
      yield { type: 'error', error: toProxyError(error) }
      return
    }
    yield* target.provider.stream({ ...request, model: target.model }, options)
  }

  /** The shortest name that routes back to this provider and model: `claude-sonnet-4-5` rather than `anthropic/claude-sonnet-4-5`. */
  function nameOf(providerId: string, provider: Provider, model: string): string {
    const plain = resolveTarget(model)
    return plain.provider === provider && plain.model === model ? model : `${providerId}/${model}`
  }

  /**
   * Every listed provider's models, asked in parallel. A provider whose list fails is left out (and logged) so the
   * others still answer; only when every provider fails does the first failure reach the client.
   */
  async function listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
    const ids = settings.listedProviderIds ?? [...settings.providers.keys()]
    // a list names no model, so it routes to the default provider: only that one may get the client's own key
    // (bring-your-own-key); the others list with their own key or fail (and are left out)
    const { apiKey: _clientKey, ...withoutClientKey } = options
    const outcomes = await Promise.allSettled(
      ids.map((id) => (settings.providers.get(id) as Provider).listModels(id === settings.defaultProviderId ? options : withoutClientKey)),
    )
    const models: ModelInfo[] = []
    const failures: unknown[] = []
    outcomes.forEach((outcome, position) => {
      const id = ids[position] as string
      const provider = settings.providers.get(id) as Provider
      if (outcome.status === 'rejected') {
        failures.push(outcome.reason)
        if (settings.reportListFailure !== undefined) settings.reportListFailure(id, outcome.reason)
        else console.error(`[optiproxy] the model list of provider '${id}' failed:`, outcome.reason instanceof Error ? outcome.reason.message : outcome.reason)
        return
      }
      for (const model of outcome.value ?? []) {
        const ownedBy = id === settings.defaultProviderId ? (model.ownedBy ?? id) : id
        models.push({ ...model, id: nameOf(id, provider, model.id), ownedBy })
      }
    })
    if (failures.length > 0 && failures.length === ids.length) throw toProxyError(failures[0])
    for (const [alias, target] of settings.aliases ?? []) {
      const ownerId = [...settings.providers].find(([, provider]) => provider === target.provider)?.[0] ?? target.provider.id
      models.push({ id: alias, ownedBy: ownerId })
    }
    return models
  }

  return { id: defaultProvider.id, generate, stream, listModels, resolveTarget }
}
