import type { FinishReason } from '../../src/core/stream-event.js'

/**
 * Maps an OpenAI-compatible finish_reason to the canonical one. Servers that invent their own reasons
 * (vLLM `abort`, some `eos`) map to `stop`; null stays null (the choice has not finished).
 */
export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null
    case 'length':
      return 'length'
    case 'tool_calls':
      return 'tool-calls'
    case 'content_filter':
      return 'content-filter'
    case 'function_call':
      return 'function-call'
    default:
      return 'stop'
  }
}
