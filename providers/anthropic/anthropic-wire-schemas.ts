import { z } from 'zod'

/** Anthropic usage; every count but input/output may be absent or null. */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
})
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>

const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
})

/** A whole Messages API answer. */
export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  content: z.array(contentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema,
})
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>

/** One server-sent event of a streamed Messages API answer (the fields the proxy reads). */
export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('message_start'), message: z.looseObject({ id: z.string(), model: z.string(), usage: anthropicUsageSchema }) }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number(), content_block: contentBlockSchema }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: z.number(),
    delta: z.looseObject({ type: z.string(), text: z.string().optional(), partial_json: z.string().optional(), thinking: z.string().optional() }),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  z.looseObject({ type: z.literal('error'), error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }) }),
])
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>

/** `{"type":"error","error":{"type":"rate_limit_error","message":"..."}}` */
export const anthropicErrorBodySchema = z.looseObject({ error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }) })

/** GET /v1/models */
export const anthropicModelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), created_at: z.string().optional() })),
})

/** POST /v1/messages/count_tokens */
export const anthropicTokenCountSchema = z.looseObject({ input_tokens: z.number().int().min(0) })
