import { z } from 'zod'

/**
 * The Chat Completions request as the current OpenAI API defines it (openai-openapi CreateChatCompletionRequest).
 * Every documented field is type-checked so a malformed one is a 400 naming it; unknown fields are kept
 * (loose object) and forwarded to OpenAI-compatible upstreams.
 */

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() })
const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() })
const imagePartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
})
const audioPartSchema = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.string() }),
})
const filePartSchema = z.object({
  type: z.literal('file'),
  file: z.object({ file_id: z.string().optional(), file_data: z.string().optional(), filename: z.string().optional() }),
})
const userPartSchema = z.discriminatedUnion('type', [textPartSchema, imagePartSchema, audioPartSchema, filePartSchema])
const textContentSchema = z.union([z.string(), z.array(textPartSchema)])

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
})

const systemMessageSchema = z.object({ role: z.literal('system'), content: textContentSchema, name: z.string().optional() })
const developerMessageSchema = z.object({ role: z.literal('developer'), content: textContentSchema, name: z.string().optional() })
const userMessageSchema = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(userPartSchema)]),
  name: z.string().optional(),
})
const assistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPartSchema, refusalPartSchema]))]).nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(toolCallSchema).optional(),
  name: z.string().optional(),
  /** Not in the OpenAI spec: reasoning servers (DeepSeek, vLLM) return it and some clients send it back. */
  reasoning_content: z.string().nullish(),
  audio: z.object({ id: z.string() }).nullish(),
  function_call: z.null().optional(),
})
const toolMessageSchema = z.object({ role: z.literal('tool'), content: textContentSchema, tool_call_id: z.string() })

export const chatMessageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  developerMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
])
export type ChatMessage = z.infer<typeof chatMessageSchema>

const functionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
})
export type ChatFunctionTool = z.infer<typeof functionToolSchema>

const namedToolChoiceSchema = z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })
const allowedToolsChoiceSchema = z.object({
  type: z.literal('allowed_tools'),
  allowed_tools: z.object({
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })),
  }),
})

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
])

const probability = z.number().min(0).max(1)
const penalty = z.number().min(-2).max(2)

/** Fields the proxy itself reads (approach selection and options); they are never forwarded upstream. */
export const proxyControlFields = ['optillm_approach', 'approach', 'optiproxy'] as const

export const chatCompletionsRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: probability.nullish(),
  seed: z.number().int().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  frequency_penalty: penalty.nullish(),
  presence_penalty: penalty.nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  tools: z.array(functionToolSchema).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), namedToolChoiceSchema, allowedToolsChoiceSchema]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  reasoning_effort: z.string().nullish(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  modalities: z.array(z.string()).nullish(),
  audio: z.record(z.string(), z.unknown()).nullish(),
  prediction: z.record(z.string(), z.unknown()).nullish(),
  service_tier: z.string().nullish(),
  store: z.boolean().nullish(),
  verbosity: z.string().nullish(),
  web_search_options: z.record(z.string(), z.unknown()).optional(),
  prompt_cache_key: z.string().optional(),
  prompt_cache_retention: z.string().nullish(),
  safety_identifier: z.string().optional(),
  functions: z.never({ error: 'the deprecated `functions` parameter is not supported; use `tools`' }).optional(),
  function_call: z.never({ error: 'the deprecated `function_call` parameter is not supported; use `tool_choice`' }).optional(),
  optillm_approach: z.string().optional(),
  approach: z.string().optional(),
  optiproxy: z.record(z.string(), z.unknown()).optional(),
})
export type ChatCompletionsRequest = z.infer<typeof chatCompletionsRequestSchema>
