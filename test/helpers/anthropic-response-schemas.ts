/**
 * Strict zod schemas of what /v1/messages answers, written from @anthropic-ai/sdk's types (the wire spec:
 * resources/messages/messages.d.ts). `strictObject` everywhere: a field the SDK's type does not have fails, and a
 * field it requires must be there. The type assertions at the bottom make the compiler check that every schema's
 * output is assignable to the SDK type it stands for, so the schemas cannot drift from the SDK.
 */
import type Anthropic from '@anthropic-ai/sdk'
import { z } from 'zod'

const usageSchema = z.strictObject({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cache_creation_input_tokens: z.number().int().min(0).nullable(),
  cache_read_input_tokens: z.number().int().min(0).nullable(),
  cache_creation: z.strictObject({ ephemeral_1h_input_tokens: z.number(), ephemeral_5m_input_tokens: z.number() }).nullable(),
  inference_geo: z.string().nullable(),
  output_tokens_details: z.strictObject({ thinking_tokens: z.number().int().min(0) }).nullable(),
  server_tool_use: z.strictObject({ web_search_requests: z.number(), web_fetch_requests: z.number() }).nullable(),
  service_tier: z.enum(['standard', 'priority', 'batch']).nullable(),
  speed: z.enum(['standard', 'fast']).nullable(),
})

const textBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string(), citations: z.null() })
const thinkingBlockSchema = z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() })
const toolUseBlockSchema = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  caller: z.strictObject({ type: z.literal('direct') }),
})
const contentBlockSchema = z.discriminatedUnion('type', [textBlockSchema, thinkingBlockSchema, toolUseBlockSchema])

const stopReasonSchema = z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'])

export const messageSchema = z.strictObject({
  id: z.string().regex(/^msg_/),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string().min(1),
  content: z.array(contentBlockSchema),
  stop_reason: stopReasonSchema.nullable(),
  stop_sequence: z.string().nullable(),
  stop_details: z.null(),
  container: z.null(),
  diagnostics: z.null(),
  usage: usageSchema,
})

const messageStartSchema = z.strictObject({ type: z.literal('message_start'), message: messageSchema })
const contentBlockStartSchema = z.strictObject({
  type: z.literal('content_block_start'),
  index: z.number().int().min(0),
  content_block: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), text: z.literal(''), citations: z.null() }),
    z.strictObject({ type: z.literal('thinking'), thinking: z.literal(''), signature: z.literal('') }),
    toolUseBlockSchema.extend({ input: z.strictObject({}) }),
  ]),
})
const contentBlockDeltaSchema = z.strictObject({
  type: z.literal('content_block_delta'),
  index: z.number().int().min(0),
  delta: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text_delta'), text: z.string().min(1) }),
    z.strictObject({ type: z.literal('thinking_delta'), thinking: z.string().min(1) }),
    z.strictObject({ type: z.literal('signature_delta'), signature: z.string().min(1) }),
    z.strictObject({ type: z.literal('input_json_delta'), partial_json: z.string() }),
  ]),
})
const contentBlockStopSchema = z.strictObject({ type: z.literal('content_block_stop'), index: z.number().int().min(0) })
const messageDeltaSchema = z.strictObject({
  type: z.literal('message_delta'),
  delta: z.strictObject({ stop_reason: stopReasonSchema.nullable(), stop_sequence: z.string().nullable(), stop_details: z.null(), container: z.null() }),
  usage: z.strictObject({
    input_tokens: z.number().int().min(0).nullable(),
    output_tokens: z.number().int().min(0),
    cache_creation_input_tokens: z.number().int().min(0).nullable(),
    cache_read_input_tokens: z.number().int().min(0).nullable(),
    output_tokens_details: z.strictObject({ thinking_tokens: z.number() }).nullable(),
    server_tool_use: z.null(),
  }),
})
const messageStopSchema = z.strictObject({ type: z.literal('message_stop') })
const pingSchema = z.strictObject({ type: z.literal('ping') })

export const streamEventSchema = z.discriminatedUnion('type', [
  messageStartSchema,
  contentBlockStartSchema,
  contentBlockDeltaSchema,
  contentBlockStopSchema,
  messageDeltaSchema,
  messageStopSchema,
  pingSchema,
])

const errorObject = <T extends string>(type: T) => z.strictObject({ type: z.literal(type), message: z.string().min(1) })

export const errorBodySchema = z.strictObject({
  type: z.literal('error'),
  error: z.discriminatedUnion('type', [
    errorObject('invalid_request_error'),
    errorObject('authentication_error'),
    errorObject('billing_error'),
    errorObject('permission_error'),
    errorObject('not_found_error'),
    errorObject('rate_limit_error'),
    errorObject('timeout_error'),
    errorObject('api_error'),
    errorObject('overloaded_error'),
  ]),
  request_id: z.string().nullable(),
})

/** 413: the SDK's ErrorObject union has no member for it, though Anthropic's API answers it (and its docs list it). */
export const requestTooLargeBodySchema = z.strictObject({
  type: z.literal('error'),
  error: errorObject('request_too_large'),
  request_id: z.string().nullable(),
})

export const tokenCountSchema = z.strictObject({ input_tokens: z.number().int().min(0) })

// the compiler checks each schema against the SDK's type
type Assignable<T extends U, U> = T
export type MessageMatchesSdk = Assignable<z.infer<typeof messageSchema>, Anthropic.Message>
export type StreamEventMatchesSdk = Assignable<Exclude<z.infer<typeof streamEventSchema>, { type: 'ping' }>, Anthropic.RawMessageStreamEvent>
export type ErrorMatchesSdk = Assignable<z.infer<typeof errorBodySchema>, Anthropic.ErrorResponse>
export type TokenCountMatchesSdk = Assignable<z.infer<typeof tokenCountSchema>, Anthropic.MessageTokensCount>

/** One raw SSE event of a /v1/messages stream: its `event:` name must equal its data's `type`. */
export interface NamedSseEvent {
  event?: string
  data: string
}

/**
 * Parses every event of a raw stream with the strict schemas and checks the event order Anthropic documents:
 * message_start first, each block's start/deltas/stop in turn, message_delta, message_stop last.
 * @example const events = validateMessageStream(raw.events)
 */
export function validateMessageStream(raw: NamedSseEvent[]): Array<z.infer<typeof streamEventSchema>> {
  const events = raw.map((frame) => {
    const parsed = streamEventSchema.parse(JSON.parse(frame.data))
    if (frame.event !== parsed.type) throw new Error(`event name '${frame.event}' does not match data type '${parsed.type}'`)
    return parsed
  })
  const order = events.filter((event) => event.type !== 'ping')
  if (order[0]?.type !== 'message_start') throw new Error('the stream does not start with message_start')
  if (order.at(-1)?.type !== 'message_stop') throw new Error('the stream does not end with message_stop')
  if (order.at(-2)?.type !== 'message_delta') throw new Error('message_delta is not just before message_stop')
  let openIndex: number | undefined
  let nextIndex = 0
  for (const event of order.slice(1, -2)) {
    if (event.type === 'content_block_start') {
      if (openIndex !== undefined || event.index !== nextIndex) throw new Error(`content_block_start ${event.index} out of order`)
      openIndex = event.index
      nextIndex++
    } else if (event.type === 'content_block_delta') {
      if (event.index !== openIndex) throw new Error(`content_block_delta for block ${event.index}, which is not open`)
    } else if (event.type === 'content_block_stop') {
      if (event.index !== openIndex) throw new Error(`content_block_stop for block ${event.index}, which is not open`)
      openIndex = undefined
    } else throw new Error(`unexpected ${event.type} inside the message`)
  }
  if (openIndex !== undefined) throw new Error(`block ${openIndex} was never stopped`)
  return events
}
