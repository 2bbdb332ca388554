import type OpenAI from 'openai'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions'
import type { ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../types.js'
import { convertOpenAIChatChunk, convertOpenAIChatCompletion } from './convert-openai-response.js'
import { convertToOpenAIChatRequest } from './convert-to-openai-chat-request.js'
import { convertOpenAICompatibleError } from './openai-compatible-error.js'

export interface OpenAICompatibleProviderSettings {
  /** The provider id used in routing and in /v1/models `owned_by`. Default `openai`. */
  id?: string
  /** Base URL including the version path, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseURL: string
  /** The proxy's key for this upstream. Without one, the client's own bearer key is forwarded. */
  apiKey?: string
  timeoutMs: number
  maxRetries: number
}

/**
 * A provider for any server that speaks the OpenAI Chat Completions API (OpenAI, vLLM, Ollama, OpenRouter,
 * Groq, LM Studio, ...), on the official `openai` SDK. The SDK is loaded on first use, so a proxy that
 * never routes here does not pay for it.
 * @example const provider = createOpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:11434/v1', timeoutMs: 600_000, maxRetries: 0 })
 */
export function createOpenAICompatibleProvider(settings: OpenAICompatibleProviderSettings): Provider {
  let client: Promise<OpenAI> | undefined
  const getClient = (): Promise<OpenAI> =>
    (client ??= import('openai').then(
      ({ default: OpenAIClient }) =>
        new OpenAIClient({
          baseURL: settings.baseURL,
          // a placeholder when the proxy has no key: each call then sends the client's key, or none
          apiKey: settings.apiKey ?? 'no-key-configured',
          timeout: settings.timeoutMs,
          maxRetries: settings.maxRetries,
        }),
    ))

  const toRequestOptions = (options: ProviderCallOptions) => ({
    signal: options.signal,
    // with a configured key the SDK's own header stands; otherwise forward the client's key or send none
    ...(settings.apiKey === undefined ? { headers: { Authorization: options.apiKey === undefined ? null : `Bearer ${options.apiKey}` } } : {}),
  })
  const toProxyError = (error: unknown, options: ProviderCallOptions) => convertOpenAICompatibleError(error, [settings.apiKey, options.apiKey])

  return {
    id: settings.id ?? 'openai',

    async generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
      let completion: ChatCompletion
      try {
        const body = convertToOpenAIChatRequest(request, false) as unknown as ChatCompletionCreateParamsNonStreaming
        completion = await (await getClient()).chat.completions.create(body, toRequestOptions(options))
      } catch (error) {
        throw toProxyError(error, options)
      }
      if (completion === null || typeof completion !== 'object' || !Array.isArray(completion.choices) || completion.choices.length === 0) {
        throw new ProxyError('The upstream answered without any choices.', { status: 502, type: 'upstream_error', code: 'upstream_invalid_response' })
      }
      return convertOpenAIChatCompletion(completion)
    },

    async *stream(request: ModelRequest, options: ProviderCallOptions): AsyncIterable<StreamEvent> {
      let chunks: AsyncIterable<ChatCompletionChunk>
      try {
        const body = convertToOpenAIChatRequest(request, true) as unknown as ChatCompletionCreateParamsStreaming
        chunks = await (await getClient()).chat.completions.create(body, toRequestOptions(options))
      } catch (error) {
        yield { type: 'error', error: toProxyError(error, options) }
        return
      }
      const state = { metadataSent: false }
      const unfinished = new Set<number>()
      try {
        for await (const chunk of chunks) {
          for (const event of convertOpenAIChatChunk(chunk, state)) {
            if (event.type === 'finish') unfinished.delete(event.choice)
            else if ('choice' in event) unfinished.add(event.choice)
            yield event
          }
        }
      } catch (error) {
        yield { type: 'error', error: toProxyError(error, options) }
        return
      }
      if (unfinished.size > 0 || !state.metadataSent) {
        // a stream that stops without finish_reason was cut off: say so rather than pass off a truncated answer
        yield {
          type: 'error',
          error: new ProxyError('The upstream stream ended before the answer was finished.', { status: 502, type: 'upstream_error', code: 'upstream_incomplete_stream' }),
        }
      }
    },

    async listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
      const models: ModelInfo[] = []
      try {
        for await (const model of (await getClient()).models.list(toRequestOptions(options))) {
          models.push({ id: model.id, ...(typeof model.created === 'number' ? { created: model.created } : {}), ...(typeof model.owned_by === 'string' ? { ownedBy: model.owned_by } : {}) })
        }
      } catch (error) {
        const converted = toProxyError(error, options)
        if (converted.status === 404 || converted.status === 405) return undefined
        throw converted
      }
      return models
    },
  }
}
