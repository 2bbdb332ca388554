import type { ProxyError } from '../core/proxy-error.js'
import type { Usage } from '../core/usage.js'
import { createResponseId } from './response-identity.js'
import type { ResponseOutputItem } from './responses-items.js'
import type { ResponsesRequest } from './responses-schema.js'

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'incomplete' | 'cancelled'

/** The response object (openai-openapi `Response`). */
export interface ResponseObject {
  id: string
  object: 'response'
  created_at: number
  status: ResponseStatus
  completed_at: number | null
  background: boolean
  error: { code: string; message: string } | null
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null
  instructions: string | null
  max_output_tokens: number | null
  model: string
  output: ResponseOutputItem[]
  parallel_tool_calls: boolean
  previous_response_id: string | null
  reasoning: { effort: string | null; summary: string | null }
  store: boolean
  temperature: number
  text: { format: Record<string, unknown> }
  tool_choice: unknown
  tools: Array<{ type: 'function'; name: string; description: string | null; parameters: Record<string, unknown> | null; strict: boolean | null }>
  top_p: number
  truncation: 'auto' | 'disabled'
  /** absent until the run has reported usage (the spec's usage object is not nullable) */
  usage?: ResponseUsage
  metadata: Record<string, string>
  user?: string
}

export interface ResponseUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

/** A streamed Responses event: its `type` is also the SSE `event:` name. */
export interface ResponsesStreamEvent {
  type: string
  sequence_number: number
  [field: string]: unknown
}

const terminalStatuses: ReadonlySet<ResponseStatus> = new Set(['completed', 'failed', 'incomplete', 'cancelled'])

/**
 * Whether a response with this status has ended.
 * @example isTerminalStatus('cancelled') // true
 */
export function isTerminalStatus(status: ResponseStatus): boolean {
  return terminalStatuses.has(status)
}

/**
 * The stream events after which nothing more comes for a response.
 * @example isTerminalEvent({ type: 'response.completed' }) // true
 */
export function isTerminalEvent(event: { type: string }): boolean {
  return event.type === 'response.completed' || event.type === 'response.failed' || event.type === 'response.incomplete' || event.type === 'error'
}

/**
 * A new response object echoing the request's settings.
 * @example const response = createResponseObject(parsed.body, { model: 'gpt-4o-mini', status: 'in_progress' })
 */
export function createResponseObject(body: ResponsesRequest, options: { model: string; status: ResponseStatus; id?: string }): ResponseObject {
  const format = body.text?.format ?? { type: 'text' }
  return {
    id: options.id ?? createResponseId('resp_', 48),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: options.status,
    completed_at: null,
    background: body.background === true,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: options.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: body.store !== false,
    temperature: body.temperature ?? 1,
    text: { format: { ...format } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: (body.tools ?? []).map((tool) => ({
      type: 'function' as const,
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    metadata: body.metadata ?? {},
    ...(body.user === undefined ? {} : { user: body.user }),
  }
}

/**
 * Canonical usage in the Responses shape.
 * @example convertUsageToResponses({ promptTokens: 1, completionTokens: 2, totalTokens: 3 })
 */
export function convertUsageToResponses(usage: Usage): ResponseUsage {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0, cache_write_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens,
  }
}

/**
 * A failure as the response's `error` (its code is one of the spec's ResponseErrorCode values).
 * @example convertErrorToResponses(error) // { code: 'rate_limit_exceeded', message: '...' }
 */
export function convertErrorToResponses(error: ProxyError): { code: string; message: string } {
  const code = error.status === 429 ? 'rate_limit_exceeded' : error.status === 400 ? 'invalid_prompt' : 'server_error'
  return { code, message: error.message }
}
