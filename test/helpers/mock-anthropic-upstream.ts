/**
 * A mock Anthropic Messages API on 127.0.0.1: the wire format as Anthropic documents it (named SSE events,
 * message_start ... message_stop), written by us from the docs and the SDK's types.
 */
import type { MockHandler, MockReply, RecordedRequest } from './mock-openai-upstream.js'
import { startMockVendorUpstream, type MockVendorUpstream } from './mock-vendor-upstream.js'

/** One Anthropic stream event: `event: <type>` followed by its JSON. */
export type AnthropicWireEvent = { type: string } & Record<string, unknown>

/** The exact SSE framing Anthropic uses: `event: <type>\ndata: <json>\n\n`. */
export function formatAnthropicEvents(events: AnthropicWireEvent[]): string[] {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
}

export interface AnthropicUsageInput {
  input_tokens?: number
  output_tokens?: number
  cache_read_input_tokens?: number
  cache_creation_input_tokens?: number
}

/** message_start with the usage Anthropic reports there (input counts, output 1). */
export function buildAnthropicMessageStart(model = 'claude-sonnet-4-5-20250929', usage: AnthropicUsageInput = {}): AnthropicWireEvent {
  return {
    type: 'message_start',
    message: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, ...usage },
    },
  }
}

/** A whole streamed text answer. */
export function buildAnthropicTextEvents(pieces: string[], stopReason = 'end_turn', outputTokens = 12): AnthropicWireEvent[] {
  return [
    buildAnthropicMessageStart(),
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...pieces.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
    { type: 'message_stop' },
  ]
}

/** A whole non-streamed message. */
export function buildAnthropicMessage(
  content: Array<Record<string, unknown>>,
  stopReason = 'end_turn',
  usage: AnthropicUsageInput = {},
): Record<string, unknown> {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12, ...usage },
  }
}

/** Anthropic's error body: `{"type":"error","error":{"type":"...","message":"..."}}`. */
export function buildAnthropicError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' }
}

/** An SSE reply in Anthropic's framing. */
export function replyWithAnthropicEvents(events: AnthropicWireEvent[], extra: Partial<Extract<MockReply, { kind: 'sse' }>> = {}): MockReply {
  return { kind: 'sse', events: formatAnthropicEvents(events), done: false, ...extra }
}

/**
 * The default answers: POST /v1/messages with a short text (streamed or whole), GET /v1/models with two models.
 */
export const replyAsAnthropic: MockHandler = (request: RecordedRequest) => {
  const pathname = new URL(request.path, 'http://mock').pathname
  if (request.method === 'POST' && pathname === '/v1/messages') {
    const body = request.body as { stream?: boolean } | undefined
    if (body?.stream === true) return replyWithAnthropicEvents(buildAnthropicTextEvents(['Hello from ', 'the Anthropic mock.']))
    return { kind: 'json', body: buildAnthropicMessage([{ type: 'text', text: 'Hello from the Anthropic mock.' }]) }
  }
  if (request.method === 'GET' && pathname === '/v1/models') {
    return {
      kind: 'json',
      body: {
        data: [
          { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
          { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
        ],
        has_more: false,
        first_id: 'claude-sonnet-4-5-20250929',
        last_id: 'claude-haiku-4-5-20251001',
      },
    }
  }
  return { kind: 'json', status: 404, body: buildAnthropicError('not_found_error', `Not found: ${request.method} ${pathname}`) }
}

/**
 * Starts a mock Anthropic API; point the Anthropic SDK (or ANTHROPIC_BASE_URL) at `baseURL`.
 * @example const anthropic = await startMockAnthropicUpstream(); new Anthropic({ baseURL: anthropic.baseURL, apiKey: 'x' })
 */
export function startMockAnthropicUpstream(): Promise<MockVendorUpstream> {
  return startMockVendorUpstream(replyAsAnthropic)
}
