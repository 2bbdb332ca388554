import type { Approach, ApproachContext } from '../approaches/types.js'
import type { Provider } from '../providers/types.js'
import { createInvalidRequestError } from './core/proxy-error.js'
import type { ModelRequest } from './core/request.js'
import type { StreamEvent } from './core/stream-event.js'
import { formatParam } from './openai/convert-zod-error.js'
import { resolveApproach } from './routing/resolve-approach.js'

export interface ApproachRunInput {
  request: ModelRequest
  approachField?: string
  approachFieldName?: string
  approachOptions?: Record<string, unknown>
  streaming: boolean
}

export interface RequestScope {
  /** Aborts when the client disconnects; reaches every upstream call. */
  signal: AbortSignal
  /** The client's bearer key, forwarded upstream when the proxy has none of its own. */
  apiKey?: string
}

export interface PipelineDependencies {
  provider: Provider
  registry: ReadonlyMap<string, Approach<unknown>>
  defaultApproach: string
}

/**
 * Resolves the approach and its options for a parsed request and starts it. Everything that can be rejected
 * up front (unknown slug, bad options) throws a 400 here, before any upstream call.
 * @example const { events } = startApproach(dependencies, parsed, { signal })
 */
export function startApproach(
  dependencies: PipelineDependencies,
  input: ApproachRunInput,
  scope: RequestScope,
): { request: ModelRequest; events: AsyncIterable<StreamEvent> } {
  const selection = resolveApproach({
    request: input.request,
    defaultSlug: dependencies.defaultApproach,
    registry: dependencies.registry,
    ...(input.approachField === undefined ? {} : { field: input.approachField }),
    ...(input.approachFieldName === undefined ? {} : { fieldName: input.approachFieldName }),
  })
  const { approach } = selection
  const options = approach.optionsSchema.safeParse(input.approachOptions?.[approach.id] ?? {})
  if (!options.success) {
    const issue = options.error.issues[0]
    const param = formatParam(['optiproxy', approach.id, ...(issue?.path ?? [])])
    throw createInvalidRequestError(`Invalid value for '${param}': ${issue?.message ?? 'invalid option'}.`, param, 'invalid_value')
  }
  const provider = dependencies.provider
  const callOptions = { signal: scope.signal, ...(scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }) }
  const context: ApproachContext<unknown> = {
    request: selection.request,
    options: options.data,
    signal: scope.signal,
    streaming: input.streaming,
    generate: (request) => provider.generate(request, callOptions),
    stream: (request) => provider.stream(request, callOptions),
  }
  return { request: selection.request, events: approach.run(context) }
}
