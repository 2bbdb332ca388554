import type { ProviderCall, ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import type { ModelInfo } from '../core/provider.js'
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
 * The defaults middleware: a config file's per-provider extras, as default request params (fields the client left
 * unset) and a fixed model list that replaces the vendor's list endpoint. Undefined when there are none.
 * @example wrapProvider(groq, [createProviderDefaultsMiddleware({ temperature: 0.2 }, ['llama-3.3-70b'])].filter(...))
 */
export function createProviderDefaultsMiddleware(
  params: ProviderParams | undefined,
  models: ReadonlyArray<string> | undefined,
): ProviderMiddleware | undefined {
  if (params === undefined && models === undefined) return undefined
  return {
    name: 'defaults',
    ...(params === undefined
      ? {}
      : { transformRequest: (call: ProviderCall): ProviderCall => ({ ...call, request: applyDefaultParams(call.request, params) }) }),
    ...(models === undefined ? {} : { wrapListModels: (): Promise<ModelInfo[] | undefined> => Promise.resolve(models.map((id) => ({ id }))) }),
  }
}
