import type { ModelResult } from '../core/model-result.js'
import type { FinishReason, ResponseMetadata, StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import type { DialectResponder, EventStreamWriter, SseFrame } from '../openai/event-stream-writer.js'
import { createResponseId } from '../openai/response-identity.js'
import { createAnthropicErrorResponse, toAnthropicError } from './anthropic-error-body.js'
import type { ThinkingSigner } from './thinking-signature.js'

/** Anthropic's stream keeps quiet connections alive with `ping` events (its SDKs skip them). */
const pingFrame: SseFrame = { event: 'ping', data: '{"type":"ping"}' }
const pingText = `event: ping\ndata: {"type":"ping"}\n\n`

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal'

function mapStopReason(reason: FinishReason | undefined, refused: boolean, stopSequence: string | undefined): StopReason {
  if (refused || reason === 'content-filter') return 'refusal'
  if (reason === 'stop' && stopSequence !== undefined) return 'stop_sequence'
  if (reason === 'length') return 'max_tokens'
  if (reason === 'tool-calls' || reason === 'function-call') return 'tool_use'
  return 'end_turn'
}

/** Canonical usage as Anthropic's: its input_tokens leave the cache reads out (they are counted apart). */
function convertUsage(usage: Usage | undefined): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number | null } {
  if (usage === undefined) return { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: null }
  const cached = usage.cachedPromptTokens
  return { input_tokens: Math.max(0, usage.promptTokens - (cached ?? 0)), output_tokens: usage.completionTokens, cache_read_input_tokens: cached ?? null }
}

function createUsageBody(usage: Usage | undefined): Record<string, unknown> {
  return {
    ...convertUsage(usage),
    cache_creation_input_tokens: null,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: usage?.reasoningTokens === undefined ? null : { thinking_tokens: usage.reasoningTokens },
    server_tool_use: null,
    service_tier: null,
    speed: null,
  }
}

interface Identity {
  id: string
  model: string
}

function applyMetadata(identity: Identity, metadata: ResponseMetadata): void {
  if (metadata.model !== undefined && metadata.model !== '') identity.model = metadata.model
}

function createMessageEnvelope(
  identity: Identity,
  content: unknown[],
  stopReason: StopReason | null,
  stopSequence: string | null,
  usage: Usage | undefined,
): Record<string, unknown> {
  return {
    id: identity.id,
    type: 'message',
    role: 'assistant',
    model: identity.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: createUsageBody(usage),
  }
}

/**
 * Writes canonical events as Anthropic Messages: the stream's exact event sequence (message_start, ping, then per
 * content block content_block_start / content_block_delta / content_block_stop, message_delta with the stop reason
 * and usage, message_stop), or one Message body. An approach's intermediate work (reasoning) becomes a `thinking`
 * block signed by `signer`. A native answer (a pass-through to Anthropic) is written as it came.
 * @example const responder = createMessagesResponder({ model: 'claude-sonnet-4-5', signer })
 */
export function createMessagesResponder(options: { model: string; signer: ThinkingSigner }): DialectResponder {
  const identity: Identity = { id: createResponseId('msg_', 24), model: options.model }
  return {
    createStreamWriter: () => createMessagesStreamWriter(identity, options.signer),
    createBody: (result) => createMessageBody(identity, result, options.signer),
    createErrorResponse: createAnthropicErrorResponse,
    keepAliveText: pingText,
  }
}

function createMessagesStreamWriter(identity: Identity, signer: ThinkingSigner): EventStreamWriter {
  let native = false
  let started = false
  let index = -1
  let open: { kind: 'text' | 'thinking' | 'tool'; toolIndex?: number; thinking: string } | undefined
  let usage: Usage | undefined
  let finishReason: FinishReason | undefined
  let stopSequence: string | undefined
  let refused = false
  const frame = (type: string, body: Record<string, unknown>): SseFrame => ({ event: type, data: JSON.stringify({ type, ...body }) })
  const start = (frames: SseFrame[]): void => {
    if (started) return
    started = true
    frames.push(frame('message_start', { message: createMessageEnvelope(identity, [], null, null, undefined) }), pingFrame)
  }
  const close = (frames: SseFrame[]): void => {
    if (open === undefined) return
    if (open.kind === 'thinking')
      frames.push(frame('content_block_delta', { index, delta: { type: 'signature_delta', signature: signer.sign(open.thinking) } }))
    frames.push(frame('content_block_stop', { index }))
    open = undefined
  }
  const openBlock = (frames: SseFrame[], kind: 'text' | 'thinking' | 'tool', contentBlock: Record<string, unknown>, toolIndex?: number): void => {
    close(frames)
    index++
    open = { kind, thinking: '', ...(toolIndex === undefined ? {} : { toolIndex }) }
    frames.push(frame('content_block_start', { index, content_block: contentBlock }))
  }
  return {
    write(event: Exclude<StreamEvent, { type: 'error' }>): SseFrame[] {
      if (event.type === 'native') {
        native = true
        if (event.whole || typeof event.payload !== 'object' || event.payload === null) return []
        const type = (event.payload as { type?: unknown }).type
        return [{ event: typeof type === 'string' ? type : 'message', data: JSON.stringify(event.payload) }]
      }
      // a native answer is written as it came; its canonical twin is for usage, logs and the cache only
      if (native) return []
      if (event.type === 'response-metadata') {
        if (!started) applyMetadata(identity, event.metadata)
        return []
      }
      if (event.type === 'usage') {
        usage = addUsage(usage, event.usage)
        return []
      }
      if (event.choice !== 0) return []
      const frames: SseFrame[] = []
      switch (event.type) {
        case 'finish':
          finishReason = event.finishReason
          stopSequence = event.stopSequence
          return []
        case 'reasoning-delta':
          start(frames)
          if (open?.kind !== 'thinking') openBlock(frames, 'thinking', { type: 'thinking', thinking: '', signature: '' })
          ;(open as { thinking: string }).thinking += event.delta
          if (event.delta !== '') frames.push(frame('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: event.delta } }))
          return frames
        case 'text-delta':
        case 'refusal-delta':
          if (event.type === 'refusal-delta') refused = true
          start(frames)
          if (open?.kind !== 'text') openBlock(frames, 'text', { type: 'text', text: '', citations: null })
          if (event.delta !== '') frames.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text: event.delta } }))
          return frames
        case 'tool-call-delta':
          start(frames)
          if (open?.kind !== 'tool' || open.toolIndex !== event.index) {
            const id = event.id === undefined || event.id === '' ? createResponseId('toolu_', 24) : event.id
            openBlock(frames, 'tool', { type: 'tool_use', id, name: event.name ?? '', input: {}, caller: { type: 'direct' } }, event.index)
          }
          if (event.argumentsDelta !== '')
            frames.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: event.argumentsDelta } }))
          return frames
      }
    },
    fail: (error) => [{ event: 'error', data: JSON.stringify(toAnthropicError(error, undefined).body) }],
    end(): SseFrame[] {
      if (native) return []
      const frames: SseFrame[] = []
      start(frames)
      close(frames)
      const counts = convertUsage(usage)
      const stopReason = mapStopReason(finishReason, refused, stopSequence)
      frames.push(
        frame('message_delta', {
          delta: {
            stop_reason: stopReason,
            stop_sequence: stopReason === 'stop_sequence' ? (stopSequence ?? null) : null,
            stop_details: null,
            container: null,
          },
          usage: { ...counts, cache_creation_input_tokens: null, output_tokens_details: null, server_tool_use: null },
        }),
        frame('message_stop', {}),
      )
      return frames
    },
  }
}

/** The whole answer as one Message: thinking first, then text, then tool calls (the order a stream gives). */
function createMessageBody(identity: Identity, result: ModelResult, signer: ThinkingSigner): unknown {
  if (result.native !== undefined) return result.native.payload
  applyMetadata(identity, result.metadata)
  const choice = result.choices[0]
  const content: unknown[] = []
  if (choice !== undefined) {
    if (choice.reasoning !== '') content.push({ type: 'thinking', thinking: choice.reasoning, signature: signer.sign(choice.reasoning) })
    const text = choice.text + (choice.refusal ?? '')
    if (text !== '') content.push({ type: 'text', text, citations: null })
    for (const call of choice.toolCalls) {
      content.push({
        type: 'tool_use',
        id: call.id === '' ? createResponseId('toolu_', 24) : call.id,
        name: call.name,
        input: parseToolInput(call.arguments),
        caller: { type: 'direct' },
      })
    }
  }
  const stopReason = mapStopReason(choice?.finishReason ?? undefined, choice?.refusal != null, choice?.stopSequence)
  return createMessageEnvelope(identity, content, stopReason, stopReason === 'stop_sequence' ? (choice?.stopSequence ?? null) : null, result.usage)
}

/** A tool call's arguments as the `input` object; text that is not a JSON object is kept under `_raw`. */
function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {}
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : { _raw: text }
  } catch {
    return { _raw: text }
  }
}
