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
