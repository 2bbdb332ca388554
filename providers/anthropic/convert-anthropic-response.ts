import type { ModelResult } from '../../src/core/model-result.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { AnthropicMessage, AnthropicStreamEvent, AnthropicUsage } from './anthropic-wire-schemas.js'
import { convertAnthropicUsage } from './convert-anthropic-usage.js'
import { mapAnthropicStopReason, readAnthropicStopSequence } from './map-anthropic-stop-reason.js'

/**
 * A whole Messages API answer as the canonical result of choice `choice`.
 * @example convertAnthropicMessage(message, 0)
 */
export function convertAnthropicMessage(message: AnthropicMessage, choice: number): ModelResult {
  let text = ''
  let reasoning = ''
  const toolCalls: ModelResult['choices'][number]['toolCalls'] = []
  for (const block of message.content) {
    if (block.type === 'text') text += block.text ?? ''
    else if (block.type === 'thinking') reasoning += block.thinking ?? ''
    else if (block.type === 'tool_use')
      toolCalls.push({ type: 'tool-call', id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) })
  }
  const choices: ModelResult['choices'] = []
  choices[choice] = {
    index: choice,
    text,
    reasoning,
    refusal: null,
    toolCalls,
    finishReason: mapAnthropicStopReason(message.stop_reason),
    ...readAnthropicStopSequence(message.stop_reason, message.stop_sequence),
    logprobs: null,
    refusalLogprobs: null,
  }
  return { metadata: { id: message.id, model: message.model }, choices, usage: convertAnthropicUsage(message.usage) }
}

/** What one streamed answer has told so far. */
export interface AnthropicStreamState {
  choice: number
  /** content block index -> tool call index within the choice */
  toolIndexByBlock: Map<number, number>
  usage: AnthropicUsage
  finished: boolean
}

export function createAnthropicStreamState(choice: number): AnthropicStreamState {
  return { choice, toolIndexByBlock: new Map(), usage: {}, finished: false }
}

function mergeUsage(left: AnthropicUsage, right: AnthropicUsage | null | undefined): AnthropicUsage {
  if (right == null) return left
  const merged: AnthropicUsage = { ...left }
  for (const [key, value] of Object.entries(right)) if (value != null) (merged as Record<string, unknown>)[key] = value
  return merged
}

/**
 * One streamed Messages API event as canonical events. Text, thinking and tool-input deltas pass through as they
 * come; a tool call's id and name come with its first fragment; usage and the finish come with message_delta.
 * An `error` event is left to the caller.
 * @example for (const event of convertAnthropicStreamEvent(parsed, state)) yield event
 */
export function* convertAnthropicStreamEvent(event: AnthropicStreamEvent, state: AnthropicStreamState): Generator<StreamEvent> {
  const choice = state.choice
  switch (event.type) {
    case 'message_start':
      state.usage = mergeUsage(state.usage, event.message.usage)
      if (choice === 0) yield { type: 'response-metadata', metadata: { id: event.message.id, model: event.message.model } }
      break
    case 'content_block_start': {
      const block = event.content_block
      if (block.type === 'tool_use') {
        const index = state.toolIndexByBlock.size
        state.toolIndexByBlock.set(event.index, index)
        // the input always streams as input_json_delta; a non-empty start input is sent whole
        const input = block.input !== undefined && JSON.stringify(block.input) !== '{}' ? JSON.stringify(block.input) : ''
        yield { type: 'tool-call-delta', choice, index, id: block.id ?? '', name: block.name ?? '', argumentsDelta: input }
      } else if (block.type === 'text' && block.text !== undefined && block.text !== '') {
        yield { type: 'text-delta', choice, delta: block.text }
      } else if (block.type === 'thinking' && block.thinking !== undefined && block.thinking !== '') {
        yield { type: 'reasoning-delta', choice, delta: block.thinking }
      }
      break
    }
    case 'content_block_delta': {
      const delta = event.delta
      if (delta.type === 'text_delta' && delta.text !== undefined) yield { type: 'text-delta', choice, delta: delta.text }
      else if (delta.type === 'thinking_delta' && delta.thinking !== undefined) yield { type: 'reasoning-delta', choice, delta: delta.thinking }
      else if (delta.type === 'input_json_delta' && delta.partial_json !== undefined && delta.partial_json !== '') {
        const index = state.toolIndexByBlock.get(event.index)
        if (index !== undefined) yield { type: 'tool-call-delta', choice, index, argumentsDelta: delta.partial_json }
      }
      break
    }
    case 'message_delta':
      state.usage = mergeUsage(state.usage, event.usage)
      if (event.delta.stop_reason != null) {
        state.finished = true
        yield {
          type: 'finish',
          choice,
          finishReason: mapAnthropicStopReason(event.delta.stop_reason),
          ...readAnthropicStopSequence(event.delta.stop_reason, event.delta.stop_sequence),
        }
        yield { type: 'usage', usage: convertAnthropicUsage(state.usage) }
      }
      break
    default:
      break
  }
}
