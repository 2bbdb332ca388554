import { GoogleGenAI } from '@google/genai'
import { foldStreamEvents, type ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { callWithRetries } from '../shared/call-with-retries.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../types.js'
import { convertGeminiResponse, createGeminiStreamState, finishGeminiStream } from './convert-gemini-response.js'
import { convertToGeminiRequest } from './convert-to-gemini-request.js'
import { convertGeminiFailure, createInvalidGeminiResponseError } from './gemini-error.js'
import { geminiResponseSchema } from './gemini-wire-schemas.js'

export interface GeminiProviderSettings {
  /** The provider id used in routing and in /v1/models `owned_by`. Default `gemini`. */
  id?: string
  /** Default https://generativelanguage.googleapis.com (the SDK adds /v1beta/...). */
  baseURL?: string
  /** The proxy's key. Without one, the client's own key is sent (bring-your-own-key). */
  apiKey?: string
  timeoutMs: number
  /** Retries of 408/409/429/5xx answers and connection failures, before the first byte of an answer. */
  maxRetries: number
}

/**
 * A provider for the Gemini API (generateContent / streamGenerateContent) on @google/genai. n > 1 is Gemini's
 * candidateCount. The SDK's retries are off: retries run in callWithRetries, never after a stream has started.
 * @example const provider = createGeminiProvider({ apiKey: process.env.GEMINI_API_KEY, timeoutMs: 600_000, maxRetries: 2 })
 */
export function createGeminiProvider(settings: GeminiProviderSettings): Provider {
  // the key goes per call (x-goog-api-key); the client's own key is a placeholder the SDK requires
  const client = new GoogleGenAI({
    apiKey: settings.apiKey ?? 'unset',
    httpOptions: { ...(settings.baseURL === undefined ? {} : { baseUrl: settings.baseURL }), timeout: settings.timeoutMs },
  })
  const keyOf = (options: ProviderCallOptions): string => {
    const key = settings.apiKey ?? options.apiKey
    if (key === undefined) {
      throw new ProxyError('No Gemini API key: the proxy has none (GEMINI_API_KEY) and the request sent none.', { status: 401, type: 'authentication_error', code: 'missing_api_key' })
    }
    return key
  }
  const secretsOf = (options: ProviderCallOptions) => [settings.apiKey, options.apiKey]

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    // ending this generator early (the client left) closes the upstream connection
    const controller = new AbortController()
    const signal = AbortSignal.any([options.signal, controller.signal])
    const state = createGeminiStreamState(request.n ?? 1)
    let failure: ProxyError | undefined
    try {
      const key = keyOf(options)
      const { model, contents, config } = convertToGeminiRequest(request)
      const parameters = { model, contents, config: { ...config, abortSignal: signal, httpOptions: { headers: { 'x-goog-api-key': key } } } }
      const chunks = await callWithRetries(settings.maxRetries, signal, () => client.models.generateContentStream(parameters), (error) => convertGeminiFailure(error, secretsOf(options)))
      for await (const chunk of chunks) {
        const parsed = geminiResponseSchema.safeParse(chunk)
        if (!parsed.success) {
          failure = createInvalidGeminiResponseError(`a stream chunk has an unexpected shape (${parsed.error.issues[0]?.message ?? 'unknown'})`, parsed.error)
          break
        }
        yield* convertGeminiResponse(parsed.data, state)
      }
    } catch (error) {
      failure = convertGeminiFailure(error, secretsOf(options)).error
    } finally {
      controller.abort()
    }
    if (failure === undefined && state.finished.size < state.candidateCount) {
      failure = new ProxyError('The upstream stream ended before the answer was finished.', { status: 502, type: 'upstream_error', code: 'upstream_incomplete_stream' })
    }
    if (failure !== undefined) {
      yield { type: 'error', error: failure }
      return
    }
    yield* finishGeminiStream(state)
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    try {
      const key = keyOf(options)
      const { model, contents, config } = convertToGeminiRequest(request)
      const parameters = { model, contents, config: { ...config, abortSignal: options.signal, httpOptions: { headers: { 'x-goog-api-key': key } } } }
      const response = await callWithRetries(settings.maxRetries, options.signal, () => client.models.generateContent(parameters), (error) => convertGeminiFailure(error, secretsOf(options)))
      const parsed = geminiResponseSchema.safeParse(response)
      if (!parsed.success) throw createInvalidGeminiResponseError(parsed.error.issues[0]?.message ?? 'unexpected shape', parsed.error)
      const state = createGeminiStreamState(request.n ?? 1)
      const events = [...convertGeminiResponse(parsed.data, state), ...finishGeminiStream(state)]
      return await foldStreamEvents(
        (async function* () {
          yield* events
        })(),
      )
    } catch (error) {
      throw convertGeminiFailure(error, secretsOf(options)).error
    }
  }

  async function listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
    try {
      const key = keyOf(options)
      const pager = await client.models.list({ config: { pageSize: 1000, abortSignal: options.signal, httpOptions: { headers: { 'x-goog-api-key': key } } } })
      const models: ModelInfo[] = []
      for await (const model of pager) {
        if (typeof model.name === 'string') models.push({ id: model.name.replace(/^models\//, '') })
      }
      return models
    } catch (error) {
      throw convertGeminiFailure(error, secretsOf(options)).error
    }
  }

  return { id: settings.id ?? 'gemini', generate, stream, listModels }
}
