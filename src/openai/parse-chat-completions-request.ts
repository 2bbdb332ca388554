import type { Message, ReasoningPart, RefusalPart, TextPart, ToolCallPart, UserContentPart } from '../core/message.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest, ResponseFormat, ToolChoice, ToolDefinition } from '../core/request.js'
import { chatCompletionsRequestSchema, proxyControlFields, type ChatCompletionsRequest, type ChatMessage } from './chat-completions-schema.js'
import { convertZodError } from './convert-zod-error.js'

/** A client's request as the proxy runs it: the canonical model request plus how to answer. */
export interface ClientRequest {
  request: ModelRequest
  streaming: boolean
  /** stream_options.include_usage: send a usage chunk before [DONE] */
  includeUsage: boolean
  /** `optillm_approach` (or `approach`) from the body, when given. */
  approachField?: string
  /** Which body field named the approach, for the error's `param`. */
  approachFieldName?: string
  /** The body's `optiproxy` object: per-request approach options. */
  optiproxy?: Record<string, unknown>
}

/** Fields the canonical request carries itself; everything else in the body goes to `extra`. */
const consumedFields = new Set<string>([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'stop',
  'temperature',
  'top_p',
  'seed',
  'max_tokens',
  'max_completion_tokens',
  'frequency_penalty',
  'presence_penalty',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'user',
  'metadata',
  ...proxyControlFields,
])

/**
 * Validates a Chat Completions body and converts it to the canonical request. Throws a 400 ProxyError naming
 * the offending parameter.
 * @example const { request, stream } = parseChatCompletionsRequest(await c.req.json())
 */
export function parseChatCompletionsRequest(body: unknown): ClientRequest {
  const parsed = chatCompletionsRequestSchema.safeParse(body, { reportInput: true })
  if (!parsed.success) throw convertZodError(parsed.error)
  const data = parsed.data
  const extra: Record<string, unknown> = {}
  for (const key of Object.keys(data)) {
    if (!consumedFields.has(key) && data[key] !== undefined) extra[key] = data[key]
  }
  const request: ModelRequest = { model: data.model, messages: data.messages.map(convertMessage), extra }
  applySampling(request, data)
  applyTools(request, data)
  if (data.response_format !== undefined) request.responseFormat = convertResponseFormat(data.response_format)
  return {
    request,
    streaming: data.stream === true,
    includeUsage: data.stream_options?.include_usage === true,
    ...readApproachFields(data),
  }
}

/**
 * The body's approach selection and options, as both dialects carry them: `optillm_approach` (or `approach`),
 * and the `optiproxy` options object.
 */
export function readApproachFields(data: {
  optillm_approach?: string | undefined
  approach?: string | undefined
  optiproxy?: Record<string, unknown> | undefined
}): Pick<ClientRequest, 'approachField' | 'approachFieldName' | 'optiproxy'> {
  const fieldName = data.optillm_approach !== undefined ? 'optillm_approach' : data.approach !== undefined ? 'approach' : undefined
  return {
    ...(fieldName === undefined ? {} : { approachField: data[fieldName], approachFieldName: fieldName }),
    ...(data.optiproxy === undefined ? {} : { optiproxy: data.optiproxy }),
  }
}

function applySampling(request: ModelRequest, data: ChatCompletionsRequest): void {
  if (data.n != null) request.n = data.n
  if (data.stop != null) request.stop = typeof data.stop === 'string' ? [data.stop] : data.stop
  if (data.temperature != null) request.temperature = data.temperature
  if (data.top_p != null) request.topP = data.top_p
  if (data.seed != null) request.seed = data.seed
  if (data.max_completion_tokens != null) {
    request.maxOutputTokens = data.max_completion_tokens
    request.maxOutputTokensName = 'max_completion_tokens'
  } else if (data.max_tokens != null) {
    request.maxOutputTokens = data.max_tokens
    request.maxOutputTokensName = 'max_tokens'
  }
  if (data.frequency_penalty != null) request.frequencyPenalty = data.frequency_penalty
  if (data.presence_penalty != null) request.presencePenalty = data.presence_penalty
  if (data.reasoning_effort != null) request.reasoningEffort = data.reasoning_effort
  if (data.logprobs != null) request.logprobs = data.logprobs
  if (data.top_logprobs != null) request.topLogprobs = data.top_logprobs
  if (data.user !== undefined) request.user = data.user
  if (data.metadata != null) request.metadata = data.metadata
}

function applyTools(request: ModelRequest, data: ChatCompletionsRequest): void {
  let tools: ToolDefinition[] | undefined = data.tools?.map(({ function: tool }) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    ...(tool.parameters === undefined ? {} : { parameters: tool.parameters }),
    ...(tool.strict == null ? {} : { strict: tool.strict }),
  }))
  const choice = data.tool_choice
  let toolChoice: ToolChoice | undefined
  if (typeof choice === 'string') toolChoice = choice
  else if (choice?.type === 'function') toolChoice = { type: 'tool', name: choice.function.name }
  else if (choice?.type === 'allowed_tools') {
    // the subset the model may call this turn: the same as offering only those tools
    const allowed = new Set(choice.allowed_tools.tools.map((tool) => tool.function.name))
    tools = tools?.filter((tool) => allowed.has(tool.name))
    toolChoice = choice.allowed_tools.mode
  }
  if (toolChoice !== undefined && typeof toolChoice === 'object' && !(tools ?? []).some((tool) => tool.name === toolChoice.name)) {
    throw createInvalidRequestError(`Invalid value for 'tool_choice': no tool named '${toolChoice.name}' is in 'tools'.`, 'tool_choice', 'invalid_value')
  }
  if (tools !== undefined) request.tools = tools
  if (toolChoice !== undefined) request.toolChoice = toolChoice
  if (data.parallel_tool_calls !== undefined) request.parallelToolCalls = data.parallel_tool_calls
}

function convertResponseFormat(format: NonNullable<ChatCompletionsRequest['response_format']>): ResponseFormat {
  if (format.type === 'text') return { type: 'text' }
  if (format.type === 'json_object') return { type: 'json-object' }
  const { name, description, schema, strict } = format.json_schema
  return {
    type: 'json-schema',
    name,
    ...(description === undefined ? {} : { description }),
    ...(schema === undefined ? {} : { schema }),
    ...(strict == null ? {} : { strict }),
  }
}

function toTextParts(content: string | Array<{ text: string }>): TextPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content.map((part) => ({ type: 'text', text: part.text }))
}

function convertMessage(message: ChatMessage): Message {
  switch (message.role) {
    case 'system':
    case 'developer': {
      const content = typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('\n')
      return {
        role: 'system',
        content,
        ...(message.role === 'developer' ? { developer: true } : {}),
        ...(message.name === undefined ? {} : { name: message.name }),
      }
    }
    case 'user': {
      const content: UserContentPart[] =
        typeof message.content === 'string'
          ? [{ type: 'text', text: message.content }]
          : // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every part type (tsc checks it)
            message.content.map((part): UserContentPart => {
              switch (part.type) {
                case 'text':
                  return { type: 'text', text: part.text }
                case 'image_url':
                  return { type: 'image', url: part.image_url.url, ...(part.image_url.detail === undefined ? {} : { detail: part.image_url.detail }) }
                case 'input_audio':
                  return { type: 'audio', data: part.input_audio.data, format: part.input_audio.format }
                case 'file':
                  return {
                    type: 'file',
                    ...(part.file.file_id === undefined ? {} : { fileId: part.file.file_id }),
                    ...(part.file.file_data === undefined ? {} : { fileData: part.file.file_data }),
                    ...(part.file.filename === undefined ? {} : { filename: part.file.filename }),
                  }
              }
            })
      return { role: 'user', content, ...(message.name === undefined ? {} : { name: message.name }) }
    }
    case 'assistant': {
      const content: Array<TextPart | ReasoningPart | RefusalPart | ToolCallPart> = []
      if (message.reasoning_content) content.push({ type: 'reasoning', text: message.reasoning_content })
      if (typeof message.content === 'string') {
        if (message.content !== '') content.push({ type: 'text', text: message.content })
      } else if (message.content != null) {
        for (const part of message.content) {
          content.push(part.type === 'text' ? { type: 'text', text: part.text } : { type: 'refusal', text: part.refusal })
        }
      }
      if (message.refusal) content.push({ type: 'refusal', text: message.refusal })
      for (const call of message.tool_calls ?? []) {
        content.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments })
      }
      return { role: 'assistant', content, ...(message.name === undefined ? {} : { name: message.name }) }
    }
    case 'tool':
      return { role: 'tool', content: [{ type: 'tool-result', toolCallId: message.tool_call_id, content: toTextParts(message.content) }] }
  }
}
