import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions'
import type { FinishReason, TokenLogprob } from '../core/stream-event.js'

export function convertLogprobsToOpenAI(logprobs: TokenLogprob[]): ChatCompletionTokenLogprob[] {
  return logprobs.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: entry.bytes,
    top_logprobs: entry.topLogprobs.map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes })),
  }))
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export function mapFinishReasonToOpenAI(reason: FinishReason | null): ChatFinishReason {
  switch (reason) {
    case 'length':
      return 'length'
    case 'tool-calls':
      return 'tool_calls'
    case 'content-filter':
      return 'content_filter'
    case 'function-call':
      return 'function_call'
    default:
      return 'stop'
  }
}
