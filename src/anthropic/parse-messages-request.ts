import type { z } from 'zod'
import type { ModelRequest, ToolChoice, ToolDefinition } from '../core/request.js'
import { convertZodError } from '../openai/convert-zod-error.js'
import type { ClientRequest } from '../openai/parse-chat-completions-request.js'
import { convertMessageParams, type ConversionNotes } from './convert-message-params.js'
import { messagesRequestSchema, type ContentBlockParam, type MessageParam, type MessagesRequestBody, type ToolParam } from './messages-request-schema.js'
import type { ThinkingSigner } from './thinking-signature.js'

/** A parsed `POST /v1/messages` (or count_tokens) body. */
export interface ParsedMessagesRequest extends ClientRequest {
  /** The body as Anthropic itself should get it for a pass-through: the proxy's thinking and its own settings removed. */
  nativeBody: Record<string, unknown>
  /** What translation to a non-Anthropic upstream cannot carry, sorted. */
  warnings: string[]
  droppedThinking: ConversionNotes['droppedThinking']
}

/** Top-level fields the translation reads; any other is named in the warnings when the request is translated. */
const translatedFields = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'optiproxy',
])

/** Thinking budgets as the canonical reasoning effort (what OpenAI-compatible and Gemini upstreams take). */
function convertThinking(thinking: MessagesRequestBody['thinking']): string | undefined {
  if (thinking === undefined || thinking.type === 'disabled' || thinking.type === 'between_tools') return undefined
  if (thinking.type === 'adaptive') return 'medium'
  const budget = thinking.budget_tokens as number
  return budget < 4096 ? 'low' : budget < 16_384 ? 'medium' : 'high'
}

function convertTools(tools: ToolParam[] | undefined, notes: ConversionNotes): ToolDefinition[] | undefined {
  if (tools === undefined) return undefined
  const converted: ToolDefinition[] = []
  for (const tool of tools) {
    if ('input_schema' in tool && (tool.type == null || tool.type === 'custom')) {
      if (tool.cache_control != null) notes.warnings.add('cache_control')
      converted.push({
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: tool.input_schema as Record<string, unknown>,
        ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
      })
    } else notes.warnings.add(`server tool '${tool.name}'`)
  }
  return converted
}

function convertToolChoice(choice: MessagesRequestBody['tool_choice']): { toolChoice?: ToolChoice; parallelToolCalls?: boolean } {
  if (choice === undefined) return {}
  const parallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true ? { parallelToolCalls: false } : {}
  switch (choice.type) {
    case 'auto':
      return { toolChoice: 'auto', ...parallel }
    case 'any':
      return { toolChoice: 'required', ...parallel }
    case 'tool':
      return { toolChoice: { type: 'tool', name: choice.name as string }, ...parallel }
    case 'none':
      return { toolChoice: 'none' }
  }
}

/** The messages without the thinking blocks this proxy signed (a message left empty goes too). */
function removeOwnThinking(messages: MessageParam[], signer: ThinkingSigner): MessageParam[] {
  const kept: MessageParam[] = []
  for (const message of messages) {
    if (typeof message.content === 'string' || message.role !== 'assistant') {
      kept.push(message)
      continue
    }
    const content = message.content.filter(
      (block: ContentBlockParam) => block.type !== 'thinking' || signer.classify(block.thinking, block.signature) === 'foreign',
    )
    if (content.length === message.content.length) kept.push(message)
    else if (content.length > 0) kept.push({ ...message, content })
  }
  return kept
}

/**
 * Validates a Messages API body and translates it to the canonical request. The model name keeps any approach
 * prefix (`moa-claude-sonnet-4-5`) for the approach resolver. Anything invalid is an Anthropic-shaped 400 before
 * any upstream call.
 * @example const parsed = parseMessagesRequest(await readJsonBody(c, limit), signer)
 */
export function parseMessagesRequest(
  body: unknown,
  signer: ThinkingSigner,
  schema: z.ZodType<MessagesRequestBody> = messagesRequestSchema,
): ParsedMessagesRequest {
  const result = schema.safeParse(body, { reportInput: true })
  if (!result.success) throw convertZodError(result.error)
  const input = result.data
  const notes: ConversionNotes = { warnings: new Set(), droppedThinking: { ours: 0, stale: 0 } }
  const messages = convertMessageParams(input.system, input.messages, signer, notes)
  for (const key of Object.keys(input)) if (!translatedFields.has(key)) notes.warnings.add(`'${key}'`)
  if (input.top_k !== undefined) notes.warnings.add("'top_k'")
  if (input.output_config?.format != null && input.output_config.format.type !== 'json_schema')
    notes.warnings.add(`output_config.format '${input.output_config.format.type}'`)
  const tools = convertTools(input.tools, notes)
  const effort = input.output_config?.effort ?? convertThinking(input.thinking)
  const format = input.output_config?.format
  const request: ModelRequest = {
    model: input.model,
    messages,
    maxOutputTokens: input.max_tokens,
    maxOutputTokensName: 'max_tokens',
    ...(tools === undefined || tools.length === 0 ? {} : { tools, ...convertToolChoice(input.tool_choice) }),
    ...(input.stop_sequences === undefined || input.stop_sequences.length === 0 ? {} : { stop: input.stop_sequences }),
    ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
    ...(input.top_p === undefined ? {} : { topP: input.top_p }),
    ...(effort == null ? {} : { reasoningEffort: effort }),
    ...(input.metadata?.user_id == null ? {} : { user: input.metadata.user_id }),
    ...(format?.type === 'json_schema' && format.schema !== undefined
      ? { responseFormat: { type: 'json-schema' as const, name: 'output', schema: format.schema } }
      : {}),
    extra: {},
  }
  const { optiproxy, ...forwarded } = input
  return {
    request,
    streaming: input.stream === true,
    includeUsage: true,
    ...(optiproxy === undefined ? {} : { optiproxy }),
    nativeBody: { ...forwarded, messages: removeOwnThinking(input.messages, signer) },
    warnings: [...notes.warnings].sort(),
    droppedThinking: notes.droppedThinking,
  }
}
