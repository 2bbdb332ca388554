import type { Context } from 'hono'
import { createInvalidRequestError, ProxyError } from '../core/proxy-error.js'
import type { ResolvedApiKey } from './operations-file-schema.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { ClientRequest } from '../openai/parse-chat-completions-request.js'
import { createRecordObserver } from '../observability/request-record.js'
import type { AppEnv, RouteDependencies } from '../routes/route-dependencies.js'
import { planRequest, type RequestPlan } from '../plan/plan-request.js'
import type { RequestScope } from '../approach-runtime/run-approach.js'
import { createRequestScope } from '../routes/request-scope.js'
import { checkRequestLimits } from './check-request-limits.js'
import { superviseEvents } from './supervise-events.js'
import type { AppOperations } from './app-operations.js'
import { serveWithCache } from './cache-events.js'
import { computeCacheKey } from './response-cache.js'
import { readClientIdentity } from '../middleware/client-identity.js'

export interface PreparedRequest {
  /** The plan of each request the body makes (several prompts of /v1/completions): what runs, decided once. */
  plans: RequestPlan[]
  /** The scope the plans run in: the client's signal and key, the trace, and the observer of every upstream call. */
  scope: RequestScope
  /** Headers every answer to this request carries, streamed or not (`x-request-id`). */
  headers: Record<string, string>
  /** The response's events, observed and ended at shutdown. */
  supervise(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>
}

/** A proxy key limited to some models or approaches refuses the others (each approach of a combination) with a 403. */
function checkKeyAllows(apiKey: ResolvedApiKey, model: string, slugs: ReadonlyArray<string>): void {
  if (apiKey.models !== undefined && !apiKey.models.includes(model)) {
    throw new ProxyError(`This API key may not use the model '${model}'.`, { status: 403, type: 'permission_error', param: 'model', code: 'model_not_allowed' })
  }
  const refused = apiKey.approaches === undefined ? undefined : slugs.find((slug) => !apiKey.approaches?.includes(slug))
  if (refused !== undefined) {
    throw new ProxyError(`This API key may not run the approach '${refused}'.`, {
      status: 403,
      type: 'permission_error',
      param: 'model',
      code: 'approach_not_allowed',
    })
  }
}

/**
 * The cache key when this request uses the response cache: the client asks (`x-optiproxy-cache: use`) or its model
 * is a cached alias, it does not refuse (`x-optiproxy-cache: no`), and its temperature is 0 unless the operator
 * (`cache.any_temperature`) or the client (`x-optiproxy-cache: any-temperature`) allows any. The key is the plans':
 * what runs (approaches, their parsed options and settings) on which request.
 */
function readCacheKey(c: Context<AppEnv>, operations: AppOperations, clients: ClientRequest[], plans: RequestPlan[], route: string): string | undefined {
  const cache = operations.cache
  if (cache === undefined) return undefined
  const asked = c.req.header('x-optiproxy-cache')?.trim().toLowerCase()
  const first = clients[0] as ClientRequest
  if (asked === 'no') return undefined
  if (asked !== 'use' && asked !== 'any-temperature' && !cache.aliases.has(first.request.model)) return undefined
  const anyTemperature = cache.anyTemperature || asked === 'any-temperature'
  if (!anyTemperature && plans.some((plan) => plan.request.temperature !== 0)) return undefined
  return computeCacheKey({
    route,
    // the client's identity: a cached answer is only ever served to the client that paid for it
    owner: readClientIdentity(c),
    requests: plans.map((plan) => ({
      request: plan.request,
      approach: plan.label,
      options: { settings: plan.settings, timeouts: plan.timeouts ?? null, stages: plan.stages.map((stage) => [stage.approach.id, stage.options]) },
    })),
  })
}

/**
 * Production operations for one parsed request, before it runs: the operator's limits (400s), the plan of each
 * request (approach, options, `optiproxy.timeouts`, labels), the key's allowed models and approaches (403s), the
 * record for logs and metrics, and the scope whose observer hears of every upstream call.
 * `clients` are all the requests the body makes (several prompts of /v1/completions); the first one labels it.
 * @example const prepared = prepareRequest(c, dependencies, [parsed], parsed.streaming)
 */
export function prepareRequest(c: Context<AppEnv>, dependencies: RouteDependencies, clients: ClientRequest[], streaming: boolean): PreparedRequest {
  const { operations } = dependencies
  const first = clients[0] as ClientRequest
  const record = c.get('record')
  record.model = first.request.model
  record.streaming = streaming
  for (const client of clients) checkRequestLimits(client.request, operations.limits)
  if (clients.length * (first.request.n ?? 1) > operations.limits.maxChoices) {
    throw createInvalidRequestError(
      `Too many prompts: ${clients.length} prompts of n=${first.request.n ?? 1} choices is more than this proxy's limit of ${operations.limits.maxChoices} choices.`,
      'prompt',
      'invalid_value',
    )
  }
  const plans = clients.map((client) => planRequest({ ...client, streaming }, dependencies.pipeline))
  const plan = plans[0] as RequestPlan
  // parallel branches are choices too: `a|b|c` with n=2 answers 6 choices, each its own run
  const choices = clients.length * plan.choices
  if (choices > operations.limits.maxChoices) {
    const branches = plan.operator === 'parallel' ? plan.slugs.length : 1
    throw createInvalidRequestError(
      `Too many choices: ${branches} parallel branches x n=${first.request.n ?? 1}${clients.length > 1 ? ` x ${clients.length} prompts` : ''} is ${choices}, more than this proxy's limit of ${operations.limits.maxChoices} choices.`,
      'model',
      'too_many_choices',
    )
  }
  const approach = plan.label
  record.approach = approach
  const apiKey = c.get('apiKey')
  if (apiKey !== undefined) checkKeyAllows(apiKey, plan.request.model, plan.slugs)
  if (operations.logPrompts) record.messages = clients.flatMap((client) => client.request.messages)
  const headers: Record<string, string> = { 'x-request-id': record.id }
  // the target is read when the answer's headers go out: a stream's first event, or the whole answer
  const observer = createRecordObserver(record, approach, (target) => {
    headers['x-optiproxy-target'] = target
  })

  const cacheKey = readCacheKey(c, operations, clients, plans, record.route)
  return {
    plans,
    scope: { ...createRequestScope(c, dependencies.forwardClientKey), observer },
    headers,
    supervise: (events) => {
      const source =
        cacheKey === undefined || operations.cache === undefined
          ? events
          : serveWithCache(events, { store: operations.cache.store, key: cacheKey, headers, metrics: operations.metrics })
      return superviseEvents(source, { metrics: operations.metrics, record, streamsEnd: operations.lifecycle.streamsEnd, streaming })
    },
  }
}
