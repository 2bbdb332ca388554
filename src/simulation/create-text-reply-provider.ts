import type { Provider } from '../core/provider.js'
import type { Message } from '../core/message.js'
import type { ModelResult } from '../core/model-result.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { Usage } from '../core/usage.js'

/**
 * A message's text (its text parts joined by newlines).
 * @example readMessageText({ role: 'user', content: [{ type: 'text', text: 'Hi' }] }) // 'Hi'
 */
export function readMessageText(message: Message): string {
  return typeof message.content === 'string' ? message.content : message.content.map((part) => ('text' in part ? part.text : '')).join('\n')
}

/** Four characters a token: the estimate simulated models report as usage. */
export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))

/**
 * A Provider that answers each call with one text computed from the request, whole or as one streamed delta, and
 * reports estimated usage (four characters a token): the shell of the simulated models.
 * @example createTextReplyProvider('simulated', (request) => 'The answer is 4.', (usage) => total.push(usage))
 */
export function createTextReplyProvider(id: string, reply: (request: ModelRequest) => string, onUsage?: (usage: Usage) => void): Provider {
  const answer = (request: ModelRequest): { text: string; usage: Usage } => {
    const text = reply(request)
    const promptTokens = estimateTokens(request.messages.map(readMessageText).join('\n'))
    const completionTokens = estimateTokens(text)
    const usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
    onUsage?.(usage)
    return { text, usage }
  }
  return {
    id,
    async generate(request): Promise<ModelResult> {
      const { text, usage } = answer(request)
      return {
        metadata: {},
        choices: [{ index: 0, text, reasoning: '', refusal: null, toolCalls: [], finishReason: 'stop', logprobs: null, refusalLogprobs: null }],
        usage,
      }
    },
    async *stream(request): AsyncGenerator<StreamEvent> {
      const { text, usage } = answer(request)
      yield { type: 'text-delta', choice: 0, delta: text }
      yield { type: 'finish', choice: 0, finishReason: 'stop' }
      yield { type: 'usage', usage }
    },
    async listModels() {
      return undefined
    },
  }
}
