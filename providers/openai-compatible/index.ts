import type { ModelResult } from '../../src/core/model-result.js'
import { streamEventsFromResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'
import { convertOpenAIChatChunk, convertOpenAIChatCompletion } from './convert-openai-response.js'
import { convertToOpenAIChatRequest } from './convert-to-openai-chat-request.js'
import { convertStreamedError, convertUpstreamFailure, convertUpstreamHttpError, createInvalidUpstreamResponseError } from './openai-compatible-error.js'
import { openAIChatChunkSchema, openAIChatCompletionSchema, openAIModelListSchema } from './openai-wire-schemas.js'
import { readServerSentEvents } from './read-server-sent-events.js'
import {
  createUpstreamAgents,
  createUpstreamEndpoint,
  readBodyText,
  sendUpstreamRequest,
  type UpstreamEndpoint,
  type UpstreamResponse,
} from './send-upstream-request.js'

export interface OpenAICompatibleProviderSettings {
  /** The provider id used in routing and in /v1/models `owned_by`. Default `openai`. */
  id?: string
  /** Base URL including the version path, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; a query (Azure's `api-version`) is kept. */
  baseURL: string
  /** The proxy's key for this upstream. Without one, the client's own key is forwarded (bring-your-own-key). */
  apiKey?: string
  /** Time for the upstream to start answering. */
  timeoutMs: number
  /** Time to establish a new connection (TCP and TLS); default: no limit of its own. */
  connectTimeoutMs?: number
}

/**
 * A provider for any server that speaks the OpenAI Chat Completions API (OpenAI, vLLM, Ollama, OpenRouter,
 * Groq, LM Studio, ...). Calls go over node:http keep-alive connections; responses are checked against zod
 * schemas; streams are parsed with eventsource-parser. Each call is one attempt: retries are the retry middleware's.
 * @example const provider = createOpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:11434/v1', timeoutMs: 600_000 })
 */
export function createOpenAICompatibleProvider(settings: OpenAICompatibleProviderSettings): Provider {
  const agents = createUpstreamAgents()
  const base = new URL(settings.baseURL)
  const endpointOf = (path: string): UpstreamEndpoint => {
    const url = new URL(base)
    url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`
    return createUpstreamEndpoint(url)
  }
  const chatCompletionsEndpoint = endpointOf('/chat/completions')
  const modelsEndpoint = endpointOf('/models')
  const secretsOf = (options: ProviderCallOptions) => [settings.apiKey, options.apiKey]

  /** One attempt of a call (retries are the retry middleware's); resolves with a 2xx answer whose body is unread. */
  async function call(
    method: 'GET' | 'POST',
    endpoint: UpstreamEndpoint,
    body: string | undefined,
    accept: string,
    options: ProviderCallOptions,
  ): Promise<UpstreamResponse> {
    const key = settings.apiKey ?? options.apiKey
    const headers: Record<string, string> = { accept, 'user-agent': 'optiproxy' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (key !== undefined) headers.authorization = `Bearer ${key}`
    const timeoutMs = Math.min(settings.timeoutMs, options.firstByteTimeoutMs ?? Infinity)
    const connectTimeoutMs = options.connectTimeoutMs ?? settings.connectTimeoutMs
    let response: UpstreamResponse
    try {
      response = await sendUpstreamRequest({
        endpoint,
        method,
        headers,
        body,
        signal: options.signal,
        timeoutMs,
        agents,
        ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      })
    } catch (error) {
      throw convertUpstreamFailure(error)
    }
    if (response.status >= 200 && response.status < 300) return response
    throw convertUpstreamHttpError(response.status, response.headers, await readBodyText(response.body, 1024 * 1024), secretsOf(options))
  }

  async function readJson(response: UpstreamResponse): Promise<unknown> {
    const text = await readBodyText(response.body)
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw createInvalidUpstreamResponseError('the body is not JSON', error)
    }
  }

  /** A whole completion from its body; some gateways answer 200 with an error object, which is a failure. */
  async function readChatCompletion(response: UpstreamResponse, options: ProviderCallOptions): Promise<ModelResult> {
    const json = await readJson(response)
    if (typeof json === 'object' && json !== null && 'error' in json && !('choices' in json)) throw convertStreamedError(json, secretsOf(options))
    const parsed = openAIChatCompletionSchema.safeParse(json)
    if (!parsed.success) throw createInvalidUpstreamResponseError(parsed.error.issues[0]?.message ?? 'unexpected shape', parsed.error)
    return convertOpenAIChatCompletion(parsed.data)
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    try {
      const response = await call('POST', chatCompletionsEndpoint, JSON.stringify(convertToOpenAIChatRequest(request, false)), 'application/json', options)
      return await readChatCompletion(response, options)
    } catch (error) {
      throw convertUpstreamFailure(error)
    }
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    let response: UpstreamResponse
    try {
      response = await call('POST', chatCompletionsEndpoint, JSON.stringify(convertToOpenAIChatRequest(request, true)), 'text/event-stream', options)
    } catch (error) {
      yield { type: 'error', error: convertUpstreamFailure(error) }
      return
    }
    if (String(response.headers['content-type']).startsWith('application/json')) {
      // a server that does not stream answered with one whole completion
      try {
        yield* streamEventsFromResult(await readChatCompletion(response, options))
      } catch (error) {
        yield { type: 'error', error: convertUpstreamFailure(error) }
      }
      return
    }
    const state = { metadataSent: false }
    const unfinished = new Set<number>()
    let failure: ProxyError | undefined
    let completed = false
    try {
      for await (const message of readServerSentEvents(response.body)) {
        if (message.data === '[DONE]') {
          completed = true
          break
        }
        let json: unknown
        try {
          json = JSON.parse(message.data)
        } catch (error) {
          failure = createInvalidUpstreamResponseError('a stream chunk is not JSON', error)
          break
        }
        if (typeof json === 'object' && json !== null && 'error' in json) {
          failure = convertStreamedError(json, secretsOf(options))
          break
        }
        const parsed = openAIChatChunkSchema.safeParse(json)
        if (!parsed.success) {
          failure = createInvalidUpstreamResponseError(`a stream chunk has an unexpected shape (${parsed.error.issues[0]?.message ?? 'unknown'})`, parsed.error)
          break
        }
        for (const event of convertOpenAIChatChunk(parsed.data, state)) {
          if (event.type === 'finish') unfinished.delete(event.choice)
          else if ('choice' in event) unfinished.add(event.choice)
          yield event
        }
      }
      completed ||= failure === undefined
    } catch (error) {
      failure = convertUpstreamFailure(error)
    } finally {
      // a finished stream's connection is drained and reused; a failed or abandoned one (the client left) is closed
      if (completed && failure === undefined) response.body.resume()
      else response.body.destroy()
    }
    if (failure === undefined && (unfinished.size > 0 || !state.metadataSent)) {
      // a stream that stops without finish_reason was cut off: say so rather than pass off a truncated answer
      failure = new ProxyError('The upstream stream ended before the answer was finished.', {
        status: 502,
        type: 'upstream_error',
        code: 'upstream_incomplete_stream',
      })
    }
    if (failure !== undefined) yield { type: 'error', error: failure }
  }

  async function listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
    let json: unknown
    try {
      json = await readJson(await call('GET', modelsEndpoint, undefined, 'application/json', options))
    } catch (error) {
      const failure = convertUpstreamFailure(error)
      if (failure.status === 404 || failure.status === 405) return undefined
      throw failure
    }
    const parsed = openAIModelListSchema.safeParse(json)
    if (!parsed.success) throw createInvalidUpstreamResponseError('the model list has an unexpected shape', parsed.error)
    return parsed.data.data.map((model) => ({
      id: model.id,
      ...(model.created == null ? {} : { created: model.created }),
      ...(model.owned_by == null ? {} : { ownedBy: model.owned_by }),
    }))
  }

  return { id: settings.id ?? 'openai', generate, stream, listModels }
}
