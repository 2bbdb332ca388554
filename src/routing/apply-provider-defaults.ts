import type { ModelInfo, Provider, ProviderCallOptions } from '../../providers/types.js'
import type { ProviderParams } from '../config-file.js'
import type { ModelRequest } from '../core/request.js'

/**
 * Fills request fields the client left unset from the provider's configured `params`.
 * @example applyDefaultParams(request, { temperature: 0.2 })
 */
export function applyDefaultParams(request: ModelRequest, params: ProviderParams): ModelRequest {
  const filled: ModelRequest = { ...request }
  if (filled.temperature === undefined && params.temperature !== undefined) filled.temperature = params.temperature
  if (filled.topP === undefined && params.top_p !== undefined) filled.topP = params.top_p
  if (filled.maxOutputTokens === undefined && params.max_tokens !== undefined) filled.maxOutputTokens = params.max_tokens
  if (filled.seed === undefined && params.seed !== undefined) filled.seed = params.seed
  if (filled.reasoningEffort === undefined && params.reasoning_effort !== undefined) filled.reasoningEffort = params.reasoning_effort
  return filled
}

/**
 * A provider with a config file's per-provider extras: default request params, and a fixed model list that
 * replaces the vendor's list endpoint.
 * @example const groq = applyProviderDefaults(createOpenAICompatibleProvider(...), { temperature: 0.2 }, ['llama-3.3-70b'])
 */
export function applyProviderDefaults(provider: Provider, params: ProviderParams | undefined, models: ReadonlyArray<string> | undefined): Provider {
  if (params === undefined && models === undefined) return provider
  const fill = (request: ModelRequest): ModelRequest => (params === undefined ? request : applyDefaultParams(request, params))
  return {
    id: provider.id,
    generate: (request, options) => provider.generate(fill(request), options),
    stream: (request, options) => provider.stream(fill(request), options),
    listModels: (options: ProviderCallOptions): Promise<ModelInfo[] | undefined> =>
      models === undefined ? provider.listModels(options) : Promise.resolve(models.map((id) => ({ id }))),
  }
}
