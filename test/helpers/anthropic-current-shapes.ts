/**
 * Anthropic answers in the current API's full shape (every field of @anthropic-ai/sdk's Message and stream event
 * types), for mock upstreams whose answers pass through the proxy unchanged and are then checked strictly.
 */
import type { AnthropicWireEvent } from './mock-anthropic-upstream.js'
import { replyWithAnthropicEvents } from './mock-anthropic-upstream.js'
import type { MockHandler } from './mock-openai-upstream.js'

/** A complete Message as the current API sends it (every field of the SDK's type), for the Anthropic mock. */
export function buildFullMessage(content: unknown[], stopReason: string): Record<string, unknown> {
  return {
    id: 'msg_01UpstreamAnswer000000',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: 21,
      output_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    },
  }
}

/** A full streamed Message in the current API's shape: message_start carries a complete Message. */
export function buildFullStream(
  blocks: Array<{ start: Record<string, unknown>; deltas: Array<Record<string, unknown>> }>,
  stopReason: string,
): AnthropicWireEvent[] {
  const start = buildFullMessage([], stopReason)
  const events: AnthropicWireEvent[] = [{ type: 'message_start', message: { ...start, stop_reason: null } }, { type: 'ping' }]
  blocks.forEach((block, index) => {
    events.push({ type: 'content_block_start', index, content_block: block.start })
    for (const delta of block.deltas) events.push({ type: 'content_block_delta', index, delta })
    events.push({ type: 'content_block_stop', index })
  })
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 21,
        output_tokens: 9,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 4,
        output_tokens_details: null,
        server_tool_use: null,
      },
    },
    { type: 'message_stop' },
  )
  return events
}

/** Text answers, streamed or whole, in the full current shape. */
export const replyAsCurrentAnthropic: MockHandler = (request) => {
  const stream = (request.body as { stream?: boolean } | undefined)?.stream === true
  const text = { type: 'text', text: 'Hello from the Anthropic mock.', citations: null }
  if (!stream) return { kind: 'json', body: buildFullMessage([text], 'end_turn') }
  return replyWithAnthropicEvents(
    buildFullStream(
      [
        {
          start: { ...text, text: '' },
          deltas: [
            { type: 'text_delta', text: 'Hello from ' },
            { type: 'text_delta', text: 'the Anthropic mock.' },
          ],
        },
      ],
      'end_turn',
    ),
  )
}
