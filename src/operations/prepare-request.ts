import type { Context } from 'hono'
import { createInvalidRequestError, ProxyError } from '../core/proxy-error.js'
import type { ResolvedApiKey } from './operations-file-schema.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { ClientRequest } from '../openai/parse-chat-completions-request.js'
import type { UpstreamCallObserver } from '../../providers/types.js'
import type { AppEnv, RouteDependencies } from '../routes/route-dependencies.js'
import { resolveApproach } from '../routing/resolve-approach.js'
import type { PipelineDependencies } from '../run-approach.js'
import { checkRequestLimits } from './check-request-limits.js'
import { readRequestTimeouts } from './request-timeouts.js'
import { superviseEvents } from './supervise-events.js'
import type { AppOperations } from './app-operations.js'
import { serveWithCache } from './cache-events.js'
import { computeCacheKey } from './response-cache.js'
import { withCallContext } from './wrap-provider.js'
import { readClientIdentity } from '../middleware/client-identity.js'

export interface PreparedRequest {
  /** The pipeline for this request: its provider carries the request's deadlines and is counted. */
  pipeline: PipelineDependencies
  /** Headers every answer to this request carries, streamed or not (`x-request-id`). */
  headers: Record<string, string>
  /** The response's events, observed and ended at shutdown. */
  supervise(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>
}

/**
 * The approaches a request runs (their label: `moa`, `moa&bon`, `bon|moa`) and the model they run on; an unknown
 * slug is left for startApproach to refuse.
 */
function readApproachSelection(dependencies: RouteDependencies, client: ClientRequest): { label: string; slugs: string[]; model: string; branches: number } | undefined {
  try {
    const selection = resolveApproach({
      request: client.request,
      defaultSlug: dependencies.pipeline.defaultApproach,
      registry: dependencies.pipeline.registry,
      ...(client.approachField === undefined ? {} : { field: client.approachField }),
      ...(client.approachFieldName === undefined ? {} : { fieldName: client.approachFieldName }),
    })
    const slugs = selection.approaches.map((approach) => approach.id)
    return { label: slugs.join(selection.operator === 'parallel' ? '|' : '&'), slugs, model: selection.request.model, branches: selection.operator === 'parallel' ? slugs.length : 1 }
  } catch {
    return undefined
  }
}

/** A proxy key limited to some models or approaches refuses the others (each approach of a combination) with a 403. */
function checkKeyAllows(apiKey: ResolvedApiKey, model: string, slugs: string[]): void {
  if (apiKey.models !== undefined && !apiKey.models.includes(model)) {
    throw new ProxyError(`This API key may not use the model '${model}'.`, { status: 403, type: 'permission_error', param: 'model', code: 'model_not_allowed' })
  }
  const refused = apiKey.approaches === undefined ? undefined : slugs.find((slug) => !apiKey.approaches?.includes(slug))
  if (refused !== undefined) {
    throw new ProxyError(`This API key may not run the approach '${refused}'.`, { status: 403, type: 'permission_error', param: 'model', code: 'approach_not_allowed' })
  }
}

/**
 * The cache key when this request uses the response cache: the client asks (`x-optiproxy-cache: use`) or its model
 * is a cached alias, it does not refuse (`x-optiproxy-cache: no`), and its temperature is 0 unless the operator
 * (`cache.any_temperature`) or the client (`x-optiproxy-cache: any-temperature`) allows any.
 */
function readCacheKey(c: Context<AppEnv>, operations: AppOperations, clients: ClientRequest[], route: string): string | undefined {
  const cache = operations.cache
  if (cache === undefined) return undefined
  const asked = c.req.header('x-optiproxy-cache')?.trim().toLowerCase()
  const first = clients[0] as ClientRequest
  if (asked === 'no') return undefined
  if (asked !== 'use' && asked !== 'any-temperature' && !cache.aliases.has(first.request.model)) return undefined
  const anyTemperature = cache.anyTemperature || asked === 'any-temperature'
  if (!anyTemperature && clients.some((client) => client.request.temperature !== 0)) return undefined
  return computeCacheKey({
    route,
    // the client's identity: a cached answer is only ever served to the client that paid for it
    owner: readClientIdentity(c),
    requests: clients.map((client) => ({ request: client.request, approach: client.approachField, options: client.approachOptions })),
  })
}

/**
 * Production operations for one parsed request, before it runs: the operator's limits (400s), the request's
 * `optiproxy.timeouts`, its record for logs and metrics, and the provider that passes both to every upstream call.
 * `clients` are all the requests the body makes (several prompts of /v1/completions); the first one labels it.
 * @example const prepared = prepareRequest(c, dependencies, [parsed], parsed.stream)
 */
export function prepareRequest(c: Context<AppEnv>, dependencies: RouteDependencies, clients: ClientRequest[], streaming: boolean): PreparedRequest {
  const { operations } = dependencies
  const first = clients[0] as ClientRequest
  for (const client of clients) checkRequestLimits(client.request, operations.limits)
  if (clients.length * (first.request.n ?? 1) > operations.limits.maxChoices) {
    throw createInvalidRequestError(`Too many prompts: ${clients.length} prompts of n=${first.request.n ?? 1} choices is more than this proxy's limit of ${operations.limits.maxChoices} choices.`, 'prompt', 'invalid_value')
  }
  const selection = readApproachSelection(dependencies, first)
  // parallel branches are choices too: `a|b|c` with n=2 answers 6 choices, each its own run
  const choices = clients.length * (selection?.branches ?? 1) * (first.request.n ?? 1)
  if (choices > operations.limits.maxChoices) {
    throw createInvalidRequestError(
      `Too many choices: ${selection?.branches ?? 1} parallel branches x n=${first.request.n ?? 1}${clients.length > 1 ? ` x ${clients.length} prompts` : ''} is ${choices}, more than this proxy's limit of ${operations.limits.maxChoices} choices.`,
      'model',
      'too_many_choices',
    )
  }
  const requestTimeouts = readRequestTimeouts(first.approachOptions)
  const record = c.get('record')
  record.model = first.request.model
  record.stream = streaming
  const approach = selection?.label
  if (approach !== undefined) record.approach = approach
  const apiKey = c.get('apiKey')
  if (apiKey !== undefined) checkKeyAllows(apiKey, selection?.model ?? first.request.model, selection?.slugs ?? [])
  if (operations.logPrompts) record.messages = clients.flatMap((client) => client.request.messages)
  const headers: Record<string, string> = { 'x-request-id': record.id }
  const observer: UpstreamCallObserver = {
    ...(approach === undefined ? {} : { approach }),
    callEnded(report) {
      record.upstreamCalls++
      record.providers.add(report.provider)
      if (report.usage !== undefined) {
        record.promptTokens += report.usage.promptTokens
        record.completionTokens += report.usage.completionTokens
      }
    },
    targetChosen(target) {
      // read when the answer's headers go out: a stream's first event, or the whole answer
      headers['x-optiproxy-target'] = target
      record.target = target
    },
  }
  const cacheKey = readCacheKey(c, operations, clients, record.route)
  const provider = withCallContext(dependencies.pipeline.provider, { observer, ...(requestTimeouts === undefined ? {} : { requestTimeouts }) })
  return {
    pipeline: { ...dependencies.pipeline, provider },
    headers,
    supervise: (events) => {
      const source = cacheKey === undefined || operations.cache === undefined ? events : serveWithCache(events, { store: operations.cache.store, key: cacheKey, headers, metrics: operations.metrics })
      return superviseEvents(source, { metrics: operations.metrics, record, streamsEnd: operations.lifecycle.streamsEnd, streaming })
    },
  }
}
