import { z } from 'zod'
import { proxyControlFields } from './chat-completions-schema.js'

/**
 * The Responses API request (openai-openapi CreateResponse) as far as a proxy in front of Chat-style models can
 * honour it: text and image input, messages, function calls and their outputs, function tools, text formats,
 * sampling, reasoning effort, storage, chaining, streaming and background runs. Hosted tools (web search, file
 * search, ...) and items that only OpenAI can resolve (item references, conversations) are refused with a 400.
 */

const inputTextSchema = z.object({ type: z.literal('input_text'), text: z.string() })
const inputImageSchema = z.object({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(['auto', 'low', 'high']).nullish(),
})
const inputFileSchema = z.object({
  type: z.literal('input_file'),
  file_id: z.string().nullish(),
  file_data: z.string().optional(),
  file_url: z.string().optional(),
  filename: z.string().optional(),
})
const outputTextSchema = z.looseObject({ type: z.literal('output_text'), text: z.string() })
const refusalSchema = z.object({ type: z.literal('refusal'), refusal: z.string() })

const messageContentSchema = z.union([
  z.string(),
  z.array(z.discriminatedUnion('type', [inputTextSchema, inputImageSchema, inputFileSchema, outputTextSchema, refusalSchema])),
])

const messageItemSchema = z.looseObject({
  type: z.literal('message').optional(),
  id: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: messageContentSchema,
  status: z.string().optional(),
})

const functionCallItemSchema = z.looseObject({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: z.string().optional(),
})

const functionCallOutputItemSchema = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.discriminatedUnion('type', [inputTextSchema, inputImageSchema, inputFileSchema]))]),
  status: z.string().nullish(),
})

const reasoningItemSchema = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().optional(),
  summary: z.array(z.object({ type: z.string(), text: z.string() })).optional(),
  content: z.array(z.object({ type: z.string(), text: z.string() })).nullish(),
})

export const responsesInputItemSchema = z.union([messageItemSchema, functionCallItemSchema, functionCallOutputItemSchema, reasoningItemSchema])
export type ResponsesInputItem = z.infer<typeof responsesInputItemSchema>

export const responsesFunctionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
})
export type ResponsesFunctionTool = z.infer<typeof responsesFunctionToolSchema>

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
  z.object({
    type: z.literal('allowed_tools'),
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.looseObject({ type: z.literal('function'), name: z.string() })),
  }),
])

const textFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullish(),
  }),
])

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(responsesInputItemSchema)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(responsesFunctionToolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: textFormatSchema.optional(), verbosity: z.string().nullish() }).optional(),
  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({}).nullish(),
  background: z.boolean().nullish(),
  user: z.string().optional(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.string().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  include: z.array(z.string()).nullish(),
  max_tool_calls: z.int().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  [proxyControlFields[0]]: z.string().optional(),
  [proxyControlFields[1]]: z.string().optional(),
  [proxyControlFields[2]]: z.record(z.string(), z.unknown()).optional(),
})
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>
