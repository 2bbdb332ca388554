import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest, ToolChoice, ToolDefinition } from '../core/request.js'
import { convertZodError } from './convert-zod-error.js'
import { readApproachFields, type ClientRequest } from './parse-chat-completions-request.js'
import { convertItemsToMessages, normalizeInputItems, type ResponseItem } from './responses-items.js'
import { responsesRequestSchema, type ResponsesRequest } from './responses-schema.js'

/** A Responses request as the proxy runs it. */
export interface ResponsesClientRequest extends Pick<ClientRequest, 'approachField' | 'approachFieldName' | 'optiproxy'> {
  /** The validated body: everything the response object echoes, and what a background job runs again. */
  body: ResponsesRequest
  /** This request's own input, as items with ids. */
  inputItems: ResponseItem[]
  streaming: boolean
  background: boolean
  store: boolean
  previousResponseId?: string
}

/** Body fields passed to OpenAI-compatible upstreams as they are (the Chat Completions API knows them too). */
const forwardedFields = ['user', 'safety_identifier', 'prompt_cache_key', 'service_tier'] as const

/**
 * Validates a Responses body. Throws a 400 ProxyError naming the offending parameter.
 * @example const parsed = parseResponsesRequest(await c.req.json())
 */
export function parseResponsesRequest(body: unknown): ResponsesClientRequest {
  const parsed = responsesRequestSchema.safeParse(body, { reportInput: true })
  if (!parsed.success) throw convertZodError(parsed.error)
  const data = parsed.data
  if (data.conversation != null)
    throw createInvalidRequestError("'conversation' is not supported by this proxy: use 'previous_response_id'.", 'conversation', 'unsupported_parameter')
  if (data.prompt != null)
    throw createInvalidRequestError("'prompt' (stored prompt templates) is not supported by this proxy.", 'prompt', 'unsupported_parameter')
  const background = data.background === true
  const store = data.store !== false
  if (background && !store)
    throw createInvalidRequestError('Background mode needs store=true: a background response is kept so it can be retrieved.', 'background', 'invalid_value')
  const inputItems = normalizeInputItems(data.input)
  if (inputItems.length === 0 && data.previous_response_id == null)
    throw createInvalidRequestError("Missing required parameter: 'input'.", 'input', 'missing_required_parameter')
  createModelRequest(data, inputItems) // the tool choice is checked up front
  return {
    body: data,
    inputItems,
    streaming: data.stream === true,
    background,
    store,
    ...(data.previous_response_id == null ? {} : { previousResponseId: data.previous_response_id }),
    ...readApproachFields(data),
  }
}

/**
 * The canonical request for a Responses body and its whole conversation (earlier turns, then this input).
 * Instructions become the first system message; they are never carried over from an earlier response.
 * @example const request = createModelRequest(parsed.body, [...history, ...parsed.inputItems])
 */
export function createModelRequest(data: ResponsesRequest, items: ResponseItem[]): ModelRequest {
  const extra: Record<string, unknown> = {}
  for (const field of forwardedFields) if (data[field] != null) extra[field] = data[field]
  const messages = convertItemsToMessages(items)
  if (data.instructions != null && data.instructions !== '') messages.unshift({ role: 'system', content: data.instructions })
  const request: ModelRequest = { model: data.model, messages, extra }
  if (data.temperature != null) request.temperature = data.temperature
  if (data.top_p != null) request.topP = data.top_p
  if (data.max_output_tokens != null) {
    request.maxOutputTokens = data.max_output_tokens
    request.maxOutputTokensName = 'max_completion_tokens'
  }
  if (data.reasoning?.effort != null) request.reasoningEffort = data.reasoning.effort
  if (data.metadata != null) request.metadata = data.metadata
  if (data.top_logprobs != null && data.top_logprobs > 0) {
    request.logprobs = true
    request.topLogprobs = data.top_logprobs
  }
  if (data.parallel_tool_calls != null) request.parallelToolCalls = data.parallel_tool_calls
  const format = data.text?.format
  if (format?.type === 'json_object') request.responseFormat = { type: 'json-object' }
  else if (format?.type === 'json_schema') {
    request.responseFormat = {
      type: 'json-schema',
      name: format.name,
      schema: format.schema,
      ...(format.description === undefined ? {} : { description: format.description }),
      ...(format.strict == null ? {} : { strict: format.strict }),
    }
  }
  applyTools(request, data)
  return request
}

function applyTools(request: ModelRequest, data: ResponsesRequest): void {
  let tools: ToolDefinition[] | undefined = data.tools?.map((tool) => ({
    name: tool.name,
    ...(tool.description == null ? {} : { description: tool.description }),
    ...(tool.parameters == null ? {} : { parameters: tool.parameters }),
    ...(tool.strict == null ? {} : { strict: tool.strict }),
  }))
  const choice = data.tool_choice
  let toolChoice: ToolChoice | undefined
  if (typeof choice === 'string') toolChoice = choice
  else if (choice?.type === 'function') toolChoice = { type: 'tool', name: choice.name }
  else if (choice?.type === 'allowed_tools') {
    const allowed = new Set(choice.tools.map((tool) => tool.name))
    tools = tools?.filter((tool) => allowed.has(tool.name))
    toolChoice = choice.mode
  }
  if (toolChoice !== undefined && typeof toolChoice === 'object' && !(tools ?? []).some((tool) => tool.name === toolChoice.name)) {
    throw createInvalidRequestError(`Invalid value for 'tool_choice': no tool named '${toolChoice.name}' is in 'tools'.`, 'tool_choice', 'invalid_value')
  }
  if (tools !== undefined && tools.length > 0) request.tools = tools
  if (toolChoice !== undefined && request.tools !== undefined) request.toolChoice = toolChoice
}
