import type { Context } from 'hono'
import type { ModelInfo } from '../core/provider.js'
import { ProxyError } from '../core/proxy-error.js'
import type { RouteDependencies } from './route-dependencies.js'
import { createRequestScope } from './request-scope.js'

function toOpenAIModel(model: ModelInfo, providerId: string) {
  return { id: model.id, object: 'model' as const, created: model.created ?? 0, owned_by: model.ownedBy ?? providerId }
}

async function listModels(c: Context, dependencies: RouteDependencies): Promise<ModelInfo[]> {
  // an upstream without a list endpoint gives an empty list, not an error
  return (await dependencies.pipeline.provider.listModels(createRequestScope(c, dependencies.forwardClientKey))) ?? []
}

/** GET /v1/models: the upstreams' list, and `degraded_providers` when some are failing. */
export function createListModelsHandler(dependencies: RouteDependencies) {
  return async function handleListModels(c: Context): Promise<Response> {
    const providerId = dependencies.pipeline.provider.id
    const models = await listModels(c, dependencies)
    // providers failing in a row (see /health); an extra field OpenAI clients ignore
    const degraded = dependencies.operations.health
      .list()
      .filter((state) => state.status === 'degraded')
      .map((state) => state.provider)
    return c.json({
      object: 'list',
      data: models.map((model) => toOpenAIModel(model, providerId)),
      ...(degraded.length === 0 ? {} : { degraded_providers: degraded }),
    })
  }
}

/** GET /v1/models/{model}: one entry of the upstream's list. */
export function createRetrieveModelHandler(dependencies: RouteDependencies) {
  return async function handleRetrieveModel(c: Context): Promise<Response> {
    const id = decodePathSegment(c.req.param('model') ?? '')
    const model = (await listModels(c, dependencies)).find((entry) => entry.id === id)
    if (model === undefined) {
      throw new ProxyError(`The model '${id}' does not exist.`, { status: 404, type: 'invalid_request_error', param: 'model', code: 'model_not_found' })
    }
    return c.json(toOpenAIModel(model, dependencies.pipeline.provider.id))
  }
}

/** A path segment decoded once more when it still holds escapes (`openai%2Fgpt-4o`); a malformed escape (`%`) stays as it is. */
function decodePathSegment(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
