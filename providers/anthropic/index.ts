import type { Anthropic } from '@anthropic-ai/sdk'
import type { ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest, NativeRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { generateChoicesInParallel, streamChoicesInParallel } from '../shared/fan-out-choices.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'
import { convertAnthropicFailure, convertAnthropicStreamError, createInvalidAnthropicResponseError, type AnthropicSdk } from './anthropic-error.js'
import { anthropicMessageSchema, anthropicModelListSchema, anthropicStreamEventSchema, anthropicTokenCountSchema } from './anthropic-wire-schemas.js'
import { convertAnthropicMessage, convertAnthropicStreamEvent, createAnthropicStreamState } from './convert-anthropic-response.js'
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js'

export interface AnthropicProviderSettings {
  /** The provider id used in routing and in /v1/models `owned_by`. Default `anthropic`. */
  id?: string
  /** Default https://api.anthropic.com */
  baseURL?: string
  /** The proxy's key. Without one, the client's own key is sent (bring-your-own-key). */
  apiKey?: string
  timeoutMs: number
}

/**
 * A provider for Anthropic's Messages API on the official SDK. The SDK is loaded on the provider's first call
 * (it costs about 20 MiB and 200 ms to load, which a proxy that never calls Anthropic should not pay). Each call
 * is one attempt: the SDK's own retries are off (`maxRetries: 0`), and retries are the retry middleware's
 * (providers/middleware/retry-middleware.ts), as for every provider.
 * @example const provider = createAnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY, timeoutMs: 600_000 })
 */
export function createAnthropicProvider(settings: AnthropicProviderSettings): Provider {
  let loading: Promise<{ sdk: AnthropicSdk; client: Anthropic }> | undefined
  let sdk: AnthropicSdk | undefined
  const loadClient = async (): Promise<Anthropic> => {
    loading ??= import('@anthropic-ai/sdk').then((module) => {
      sdk = module
      // the key goes per call (x-api-key): null here keeps the SDK from reading ANTHROPIC_* variables itself
      return {
        sdk: module,
        client: new module.Anthropic({
          apiKey: null,
          authToken: null,
          baseURL: settings.baseURL ?? 'https://api.anthropic.com',
          timeout: settings.timeoutMs,
          maxRetries: 0,
        }),
      }
    })
    return (await loading).client
  }

  const keyOf = (options: ProviderCallOptions): string => {
    const key = settings.apiKey ?? options.apiKey
    if (key === undefined) {
      throw new ProxyError('No Anthropic API key: the proxy has none (ANTHROPIC_API_KEY) and the request sent none.', {
        status: 401,
        type: 'authentication_error',
        code: 'missing_api_key',
      })
    }
    return key
  }
  const secretsOf = (options: ProviderCallOptions) => [settings.apiKey, options.apiKey]
  const requestOptions = (key: string, signal: AbortSignal, headers: Record<string, string> = {}) => ({
    headers: { ...headers, 'x-api-key': key },
    signal,
    maxRetries: 0,
  })
  // client.post, not client.messages.create: create() prints deprecation notices to the console on every call
  const postMessages = async <T>(
    request: ModelRequest,
    body: Record<string, unknown>,
    key: string,
    signal: AbortSignal,
    streaming: boolean,
    path = '/v1/messages',
  ): Promise<T> => (await loadClient()).post<T>(path, { body, ...requestOptions(key, signal, nativeOf(request)?.headers), stream: streaming })

  async function generateOne(request: ModelRequest, choice: number, options: ProviderCallOptions, signal: AbortSignal): Promise<ModelResult> {
    const key = keyOf(options)
    const native = nativeOf(request)
    if (native?.operation === 'count-tokens') {
      const body = { ...native.body, model: request.model }
      const counted = await postMessages<unknown>(request, body, key, signal, false, '/v1/messages/count_tokens')
      const parsed = anthropicTokenCountSchema.safeParse(counted)
      if (!parsed.success) throw createInvalidAnthropicResponseError('the token count has an unexpected shape', parsed.error)
      return { metadata: {}, choices: [], native: { dialect: 'anthropic-messages', payload: counted } }
    }
    const body = createRequestBody(request, false)
    const message = await postMessages<unknown>(request, body, key, signal, false)
    const parsed = anthropicMessageSchema.safeParse(message)
    if (!parsed.success) throw createInvalidAnthropicResponseError(parsed.error.issues[0]?.message ?? 'unexpected shape', parsed.error)
    const result = convertAnthropicMessage(parsed.data, choice)
    return native === undefined ? result : { ...result, native: { dialect: 'anthropic-messages', payload: message } }
  }

  async function* streamOne(request: ModelRequest, choice: number, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    // ending this generator early (the client left, another choice failed) closes the upstream connection
    const controller = new AbortController()
    const signal = AbortSignal.any([options.signal, controller.signal])
    const state = createAnthropicStreamState(choice)
    let failure: ProxyError | undefined
    try {
      const key = keyOf(options)
      const body = createRequestBody(request, true)
      const native = nativeOf(request) !== undefined
      const stream = await postMessages<AsyncIterable<unknown>>(request, body, key, signal, true)
      for await (const raw of stream) {
        // a native request's client gets every event as it came (an error event is reported once, below)
        if (native && !(typeof raw === 'object' && raw !== null && 'type' in raw && raw.type === 'error'))
          yield { type: 'native', dialect: 'anthropic-messages', payload: raw, whole: false }
        const parsed = anthropicStreamEventSchema.safeParse(raw)
        if (!parsed.success) {
          // an event type added after this code was written is skipped; a known one with a bad shape is a failure
          if (typeof raw === 'object' && raw !== null && 'type' in raw && !anthropicStreamEventTypes.has(String(raw.type))) continue
          failure = createInvalidAnthropicResponseError(
            `a stream event has an unexpected shape (${parsed.error.issues[0]?.message ?? 'unknown'})`,
            parsed.error,
          )
          break
        }
        if (parsed.data.type === 'error') {
          failure = convertAnthropicStreamError(parsed.data, secretsOf(options))
          break
        }
        yield* convertAnthropicStreamEvent(parsed.data, state)
      }
    } catch (error) {
      failure = convertAnthropicFailure(error, secretsOf(options), sdk)
    } finally {
      controller.abort()
    }
    if (failure === undefined && !state.finished) {
      failure = new ProxyError('The upstream stream ended before the answer was finished.', {
        status: 502,
        type: 'upstream_error',
        code: 'upstream_incomplete_stream',
      })
    }
    if (failure !== undefined) yield { type: 'error', error: failure }
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    try {
      return await generateChoicesInParallel(request.n ?? 1, options.signal, (choice, signal) => generateOne(request, choice, options, signal))
    } catch (error) {
      throw convertAnthropicFailure(error, secretsOf(options), sdk)
    }
  }

  function stream(request: ModelRequest, options: ProviderCallOptions): AsyncIterable<StreamEvent> {
    return streamChoicesInParallel(request.n ?? 1, (choice) => streamOne(request, choice, options))
  }

  async function listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined> {
    try {
      const key = keyOf(options)
      const page = await (await loadClient()).models.list({ limit: 1000 }, requestOptions(key, options.signal))
      const parsed = anthropicModelListSchema.safeParse({ data: page.data })
      if (!parsed.success) throw createInvalidAnthropicResponseError('the model list has an unexpected shape', parsed.error)
      return parsed.data.data.map((model) => {
        const created = model.created_at === undefined ? Number.NaN : Date.parse(model.created_at)
        return { id: model.id, ...(Number.isFinite(created) ? { created: Math.floor(created / 1000) } : {}) }
      })
    } catch (error) {
      throw convertAnthropicFailure(error, secretsOf(options), sdk)
    }
  }

  return { id: settings.id ?? 'anthropic', generate, stream, listModels }
}

/** The client's Anthropic request, when it came in Anthropic's own dialect and runs as one call (see NativeRequest). */
function nativeOf(request: ModelRequest): NativeRequest | undefined {
  return request.native?.dialect === 'anthropic-messages' ? request.native : undefined
}

/** The body to send: the client's own for a native request (the routed model name, `stream` as this call needs), else the translation. */
function createRequestBody(request: ModelRequest, streaming: boolean): Record<string, unknown> {
  const native = nativeOf(request)
  if (native === undefined || native.operation !== 'messages') return convertToAnthropicRequest(request, streaming)
  const { stream: _stream, ...body } = native.body
  return { ...body, model: request.model, ...(streaming ? { stream: true } : {}) }
}

const anthropicStreamEventTypes = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
])
