import type { FinishReason } from '../../src/core/stream-event.js'

/**
 * Anthropic's stop_reason as a canonical finish reason: tool use is `tool-calls`, the token cap or the context
 * window is `length`, a refusal is `content-filter`; end_turn, stop_sequence and pause_turn are `stop`.
 * @example mapAnthropicStopReason('tool_use') // 'tool-calls'
 */
export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool-calls'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'refusal':
      return 'content-filter'
    default:
      return 'stop'
  }
}

/**
 * The stop sequence Anthropic reports as having ended the answer (`stop_reason: stop_sequence`), as the optional
 * `stopSequence` of the canonical `finish` event.
 * @example readAnthropicStopSequence('stop_sequence', '###') // { stopSequence: '###' }
 */
export function readAnthropicStopSequence(reason: string | null | undefined, sequence: string | null | undefined): { stopSequence?: string } {
  return reason === 'stop_sequence' && typeof sequence === 'string' ? { stopSequence: sequence } : {}
}
