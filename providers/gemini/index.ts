import type { GoogleGenAI } from '@google/genai'
import { foldStreamEvents, type ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { callWithFirstByteTimeout } from '../shared/call-with-first-byte-timeout.js'
import { readRetryAfterFromHeaders } from '../shared/read-retry-after.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'
import { convertGeminiResponse, createGeminiStreamState, finishGeminiStream } from './convert-gemini-response.js'
import { convertToGeminiRequest } from './convert-to-gemini-request.js'
import { convertGeminiFailure, createInvalidGeminiResponseError, type GeminiSdk } from './gemini-error.js'
import { geminiResponseSchema } from './gemini-wire-schemas.js'

export interface GeminiProviderSettings {
  /** The provider id used in routing and in /v1/models `owned_by`. Default `gemini`. */
  id?: string
  /** Default https://generativelanguage.googleapis.com (the SDK adds /v1beta/...). */
  baseURL?: string
  /** The proxy's key. Without one, the client's own key is sent (bring-your-own-key). */
  apiKey?: string
  timeoutMs: number
}

/**
 * A provider for the Gemini API (generateContent / streamGenerateContent) on @google/genai. n > 1 is Gemini's
 * candidateCount. The SDK is loaded on the provider's first call (about 20 MiB and 200 ms). Each call is one attempt:
 * the SDK's retries stay off (no `httpOptions.retryOptions`), and retries are the retry middleware's.
 * @example const provider = createGeminiProvider({ apiKey: process.env.GEMINI_API_KEY, timeoutMs: 600_000 })
 */
export function createGeminiProvider(settings: GeminiProviderSettings): Provider {
  // the key goes per call (x-goog-api-key); the client's own key is a placeholder the SDK requires
  let loading: Promise<GoogleGenAI> | undefined
  let sdk: GeminiSdk | undefined
  const loadClient = (): Promise<GoogleGenAI> =>
    (loading ??= import('@google/genai').then((module) => {
      sdk = module
      return new module.GoogleGenAI({
        apiKey: settings.apiKey ?? 'unset',
        // no SDK timeout: it would also cut a long stream, and look like a cancellation (callWithFirstByteTimeout instead)
        httpOptions: settings.baseURL === undefined ? {} : { baseUrl: settings.baseURL },
      })
    }))
  const keyOf = (options: ProviderCallOptions): string => {
    const key = settings.apiKey ?? options.apiKey
    if (key === undefined) {
      throw new ProxyError('No Gemini API key: the proxy has none (GEMINI_API_KEY) and the request sent none.', {
        status: 401,
        type: 'authentication_error',
        code: 'missing_api_key',
      })
    }
    return key
  }
  const secretsOf = (options: ProviderCallOptions) => [settings.apiKey, options.apiKey]

  /**
   * The SDK's errors carry no response headers: one call's fetch notes the Retry-After of a failed answer, which
   * wins over the body's RetryInfo.retryDelay.
   */
  const watchRetryAfter = (key: string) => {
    const seen: { retryAfterSeconds?: number } = {}
    const fetchNoting = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init)
      if (!response.ok) {
        const seconds = readRetryAfterFromHeaders(response.headers)
        if (seconds === undefined) delete seen.retryAfterSeconds
        else seen.retryAfterSeconds = seconds
      }
      return response
    }
    return { seen, httpOptions: { headers: { 'x-goog-api-key': key }, fetch: fetchNoting } }
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    // ending this generator early (the client left) closes the upstream connection
    const controller = new AbortController()
    const signal = AbortSignal.any([options.signal, controller.signal])
    const state = createGeminiStreamState(request.n ?? 1)
    let failure: ProxyError | undefined
    let watch: ReturnType<typeof watchRetryAfter> | undefined
    try {
      const key = keyOf(options)
      const { model, contents, config } = convertToGeminiRequest(request)
      const client = await loadClient()
      const { httpOptions } = (watch = watchRetryAfter(key))
      const chunks = await callWithFirstByteTimeout(settings.timeoutMs, signal, (abortSignal) =>
        client.models.generateContentStream({ model, contents, config: { ...config, abortSignal, httpOptions } }),
      )
      for await (const chunk of chunks) {
        const parsed = geminiResponseSchema.safeParse(chunk)
        if (!parsed.success) {
          failure = createInvalidGeminiResponseError(`a stream chunk has an unexpected shape (${parsed.error.issues[0]?.message ?? 'unknown'})`, parsed.error)
          break
        }
        yield* convertGeminiResponse(parsed.data, state)
      }
    } catch (error) {
      failure = convertGeminiFailure(error, secretsOf(options), sdk, watch?.seen.retryAfterSeconds)
    } finally {
      controller.abort()
    }
    if (failure === undefined && state.finished.size < state.candidateCount) {
      failure = new ProxyError('The upstream stream ended before the answer was finished.', {
        status: 502,
        type: 'upstream_error',
        code: 'upstream_incomplete_stream',
      })
    }
    if (failure !== undefined) {
      yield { type: 'error', error: failure }
      return
    }
    yield* finishGeminiStream(state)
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    let watch: ReturnType<typeof watchRetryAfter> | undefined
    try {
      const key = keyOf(options)
      const { model, contents, config } = convertToGeminiRequest(request)
      const client = await loadClient()
      const { httpOptions } = (watch = watchRetryAfter(key))
      const response = await callWithFirstByteTimeout(settings.timeoutMs, options.signal, (abortSignal) =>
        client.models.generateContent({ model, contents, config: { ...config, abortSignal, httpOptions } }),
      )
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
      throw convertGeminiFailure(error, secretsOf(options), sdk, watch?.seen.retryAfterSeconds)
    }
  }

  async function listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
    try {
      const key = keyOf(options)
      const pager = await (await loadClient()).models.list({
        config: { pageSize: 1000, abortSignal: options.signal, httpOptions: { headers: { 'x-goog-api-key': key } } },
      })
      const models: ModelInfo[] = []
      for await (const model of pager) {
        if (typeof model.name === 'string') models.push({ id: model.name.replace(/^models\//, '') })
      }
      return models
    } catch (error) {
      throw convertGeminiFailure(error, secretsOf(options), sdk)
    }
  }

  return { id: settings.id ?? 'gemini', generate, stream, listModels }
}
