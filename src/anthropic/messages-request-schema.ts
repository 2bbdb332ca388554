import { z } from 'zod'

/**
 * The Anthropic Messages API request (`POST /v1/messages`), as @anthropic-ai/sdk's MessageCreateParams describes it.
 * Block types are a closed list (an unknown one is a 400); within a block, and at the top level, fields the proxy
 * does not read are kept (`looseObject`), so a pass-through to Anthropic sends them as they came.
 * Every list is bounded; the body's size and depth are bounded before this runs.
 */

const cacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).nullish()

const textBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControlSchema,
  citations: z.array(z.unknown()).max(10_000).nullish(),
})

const imageSourceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
])
const imageBlockSchema = z.looseObject({ type: z.literal('image'), source: imageSourceSchema, cache_control: cacheControlSchema })

const documentSourceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string() }),
  z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  z.looseObject({ type: z.literal('content'), content: z.union([z.string(), z.array(z.union([textBlockSchema, imageBlockSchema])).max(10_000)]) }),
  z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
])
const documentBlockSchema = z.looseObject({
  type: z.literal('document'),
  source: documentSourceSchema,
  title: z.string().nullish(),
  context: z.string().nullish(),
  cache_control: cacheControlSchema,
})

const searchResultBlockSchema = z.looseObject({
  type: z.literal('search_result'),
  source: z.string(),
  title: z.string(),
  content: z.array(textBlockSchema).max(10_000),
  cache_control: cacheControlSchema,
})

const thinkingBlockSchema = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() })
const redactedThinkingBlockSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() })
const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  cache_control: cacheControlSchema,
})

const toolResultContentSchema = z.union([
  z.string(),
  z.array(z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, documentBlockSchema, searchResultBlockSchema])).max(10_000),
])
const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: toolResultContentSchema.optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControlSchema,
})

/** Blocks of Anthropic's server tools: kept for a pass-through, not translatable to other providers. */
const serverToolBlockTypes = [
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
  'mcp_tool_use',
  'mcp_tool_result',
] as const
const serverToolBlockSchemas = serverToolBlockTypes.map((type) => z.looseObject({ type: z.literal(type) }))

export const contentBlockParamSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  imageBlockSchema,
  documentBlockSchema,
  searchResultBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  ...serverToolBlockSchemas,
])
export type ContentBlockParam = z.infer<typeof contentBlockParamSchema>
export type ToolResultContent = z.infer<typeof toolResultContentSchema>

export const messageParamSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlockParamSchema).max(100_000)]),
})
export type MessageParam = z.infer<typeof messageParamSchema>

/** A client tool (`input_schema`), or one of Anthropic's server tools (`type: 'web_search_20250305'`, ...). */
export const toolSchema = z.union([
  z.looseObject({
    type: z.literal('custom').nullish(),
    name: z.string().min(1).max(256),
    description: z.string().optional(),
    input_schema: z.looseObject({ type: z.literal('object') }),
    strict: z.boolean().optional(),
    cache_control: cacheControlSchema,
  }),
  z.looseObject({ type: z.string().min(1), name: z.string().min(1).max(256) }),
])
export type ToolParam = z.infer<typeof toolSchema>

export const toolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
])

export const thinkingConfigSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1), display: z.enum(['summarized', 'omitted']).nullish() }),
  z.looseObject({ type: z.literal('adaptive'), display: z.enum(['summarized', 'omitted']).nullish() }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('between_tools') }),
])

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1).max(512),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageParamSchema).min(1).max(100_000),
  system: z.union([z.string(), z.array(textBlockSchema).max(10_000)]).optional(),
  metadata: z.looseObject({ user_id: z.string().max(4096).nullish() }).optional(),
  stop_sequences: z.array(z.string()).max(64).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  tools: z.array(toolSchema).max(1024).optional(),
  tool_choice: toolChoiceSchema.optional(),
  thinking: thinkingConfigSchema.optional(),
  output_config: z
    .looseObject({ format: z.looseObject({ type: z.string(), schema: z.record(z.string(), z.unknown()).optional() }).nullish(), effort: z.string().nullish() })
    .optional(),
  /** The proxy's own settings (approach options), as on the OpenAI routes; never sent upstream. */
  optiproxy: z.record(z.string(), z.unknown()).optional(),
})
export type MessagesRequestBody = z.infer<typeof messagesRequestSchema>

/** `POST /v1/messages/count_tokens`: the same body without `max_tokens` and `stream`. */
export const countTokensRequestSchema = messagesRequestSchema.omit({ max_tokens: true, stream: true })
export type CountTokensRequestBody = z.infer<typeof countTokensRequestSchema>
