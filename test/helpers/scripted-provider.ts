import type { Provider, ProviderCallOptions } from '../../src/core/provider.js'
import type { ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { FinishReason, StreamEvent } from '../../src/core/stream-event.js'
import type { Usage } from '../../src/core/usage.js'

/** One upstream call the scripted provider received. */
export interface ScriptedCall {
  /** Order of arrival, from 0. */
  index: number
  kind: 'generate' | 'stream'
  request: ModelRequest
  /** The text of the last message (the step's instruction), for matching in scripts and assertions. */
  lastText: string
  /** Calls in flight when this one started, itself included. */
  inFlightAtStart: number
  /** True when the call's signal aborted before it answered. */
  aborted: boolean
}

/** What the script answers: a text (usage: 10 prompt + 5 completion tokens), or `hang` to never answer. */
type ScriptedAnswer = string | { text: string; usage?: Usage; finishReason?: FinishReason } | { hang: true }
export type ScriptedReply = ScriptedAnswer | Promise<ScriptedAnswer>

export interface ScriptedProvider extends Provider {
  calls: ScriptedCall[]
  readonly maxInFlight: number
  readonly inFlight: number
}

const defaultUsage: Usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 }

function readLastText(request: ModelRequest): string {
  const message = request.messages.at(-1)
  if (message === undefined) return ''
  if (typeof message.content === 'string') return message.content
  return message.content.map((part) => ('text' in part ? part.text : '')).join('\n')
}

/**
 * A Provider implemented in the test: every call is recorded and answered by `script`. Streams send the text
 * word by word. A hanging call rejects with the signal's reason when it aborts, and is marked `aborted`.
 * @example const provider = createScriptedProvider((call) => call.lastText.includes('Rating') ? 'Rating: 7' : 'The answer is 4')
 */
export function createScriptedProvider(script: (call: ScriptedCall) => ScriptedReply): ScriptedProvider {
  const calls: ScriptedCall[] = []
  let inFlight = 0
  let maxInFlight = 0
  const answer = async (
    kind: ScriptedCall['kind'],
    request: ModelRequest,
    options: ProviderCallOptions,
  ): Promise<{ text: string; usage: Usage; finishReason: FinishReason }> => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const call: ScriptedCall = { index: calls.length, kind, request, lastText: readLastText(request), inFlightAtStart: inFlight, aborted: false }
    calls.push(call)
    try {
      const reply = await script(call)
      if (typeof reply === 'object' && 'hang' in reply) {
        return await new Promise((_, reject) => {
          const fail = (): void => {
            call.aborted = true
            reject(options.signal.reason)
          }
          if (options.signal.aborted) fail()
          else options.signal.addEventListener('abort', fail, { once: true })
        })
      }
      options.signal.throwIfAborted()
      return typeof reply === 'string'
        ? { text: reply, usage: defaultUsage, finishReason: 'stop' }
        : { text: reply.text, usage: reply.usage ?? defaultUsage, finishReason: reply.finishReason ?? 'stop' }
    } finally {
      inFlight--
    }
  }
  return {
    id: 'scripted',
    calls,
    get maxInFlight() {
      return maxInFlight
    },
    get inFlight() {
      return inFlight
    },
    async generate(request, options): Promise<ModelResult> {
      const { text, usage, finishReason } = await answer('generate', request, options)
      return {
        metadata: { id: `scripted-${calls.length}` },
        choices: [{ index: 0, text, reasoning: '', refusal: null, toolCalls: [], finishReason, logprobs: null, refusalLogprobs: null }],
        usage,
      }
    },
    async *stream(request, options): AsyncGenerator<StreamEvent> {
      const { text, usage, finishReason } = await answer('stream', request, options)
      for (const word of text.match(/\S+\s*/g) ?? []) yield { type: 'text-delta', choice: 0, delta: word }
      yield { type: 'finish', choice: 0, finishReason }
      yield { type: 'usage', usage }
    },
    async listModels() {
      return undefined
    },
  }
}
