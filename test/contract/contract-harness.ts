import OpenAI from 'openai'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockAnthropicUpstream } from '../helpers/mock-anthropic-upstream.js'
import { startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import { startMockOpenAIUpstream, type MockReply, type MockUpstream, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'

export type VendorName = 'openai-compatible' | 'anthropic' | 'gemini'

/** The keys the proxy holds for each vendor; tests check they never reach a client. */
export const vendorKeys = { openai: 'sk-openai-contract-key-0001', anthropic: 'sk-ant-contract-key-0001', gemini: 'AIzaContractKey0001' }

export interface VendorUnderTest {
  vendor: VendorName
  /** The model name a client sends to reach this vendor. */
  model: string
  upstream: MockUpstream
  proxy: RunningServer
  client: OpenAI
  baseURL: string
  close(): Promise<void>
}

/**
 * Starts the vendor's mock and an optiproxy whose provider for that vendor points at it; the other vendors
 * point at a closed port so a misrouted call fails loudly.
 * @example const t = await startVendorUnderTest('anthropic')
 */
export async function startVendorUnderTest(vendor: VendorName): Promise<VendorUnderTest> {
  const upstream =
    vendor === 'anthropic' ? await startMockAnthropicUpstream() : vendor === 'gemini' ? await startMockGeminiUpstream() : await startMockOpenAIUpstream()
  const nowhere = 'http://127.0.0.1:9'
  const config = configSchema.parse({
    host: '127.0.0.1',
    port: 0,
    openaiBaseUrl: vendor === 'openai-compatible' ? upstream.url : `${nowhere}/v1`,
    openaiApiKey: vendorKeys.openai,
    anthropicBaseUrl: vendor === 'anthropic' ? new URL(upstream.url).origin : nowhere,
    anthropicApiKey: vendorKeys.anthropic,
    geminiBaseUrl: vendor === 'gemini' ? new URL(upstream.url).origin : nowhere,
    geminiApiKey: vendorKeys.gemini,
    upstreamMaxRetries: 0,
  })
  const proxy = await startServer(config)
  const baseURL = `${proxy.url}/v1`
  const model = vendor === 'anthropic' ? 'claude-sonnet-4-5' : vendor === 'gemini' ? 'gemini-2.0-flash' : 'gpt-4o-mini'
  return {
    vendor,
    model,
    upstream,
    proxy,
    baseURL,
    client: new OpenAI({ baseURL, apiKey: 'sk-client-key', maxRetries: 0, timeout: 15_000 }),
    async close() {
      await proxy.close()
      await upstream.close()
    },
  }
}

/** A streamed answer reduced to what a client reassembles, per choice. */
export interface StreamSummary {
  choices: Array<{
    content: string
    reasoning_content: string
    tool_calls: Array<{ index: number; id: string; name: string; arguments: string }>
    finish_reason: string | null
  }>
  usage: OpenAI.CompletionUsage | null
  /** Every tool-call delta carried its index (the thing gateways most often lose). */
  toolCallDeltasHaveIndex: boolean
}

/**
 * Reads a stream from the openai SDK, checks every chunk against the OpenAPI spec, and reassembles it.
 * @example const summary = await summarizeStream(await client.chat.completions.create({ ..., stream: true }))
 */
export async function summarizeStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<StreamSummary> {
  const summary: StreamSummary = { choices: [], usage: null, toolCallDeltasHaveIndex: true }
  for await (const chunk of stream) {
    expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
    if (chunk.usage != null) summary.usage = chunk.usage
    for (const choice of chunk.choices) {
      const entry = (summary.choices[choice.index] ??= { content: '', reasoning_content: '', tool_calls: [], finish_reason: null })
      const delta = choice.delta as OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }
      entry.content += delta.content ?? ''
      entry.reasoning_content += delta.reasoning_content ?? ''
      for (const call of delta.tool_calls ?? []) {
        if (typeof call.index !== 'number') summary.toolCallDeltasHaveIndex = false
        let target = entry.tool_calls.find((candidate) => candidate.index === call.index)
        if (target === undefined) entry.tool_calls.push((target = { index: call.index, id: '', name: '', arguments: '' }))
        target.id += call.id ?? ''
        target.name += call.function?.name ?? ''
        target.arguments += call.function?.arguments ?? ''
      }
      if (choice.finish_reason !== null) entry.finish_reason = choice.finish_reason
    }
  }
  return summary
}

/** A whole completion reduced to its choices' messages and finish reasons, and its usage. */
export function summarizeCompletion(completion: OpenAI.ChatCompletion): unknown {
  expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
  return {
    choices: completion.choices.map((choice) => ({
      message: choice.message,
      finish_reason: choice.finish_reason,
    })),
    usage: completion.usage,
  }
}

/** The last request the mock received: its path and JSON body. */
export function lastRequest(upstream: MockUpstream): { path: string; body: unknown } {
  const request = upstream.requests[upstream.requests.length - 1] as RecordedRequest | undefined
  if (request === undefined) throw new Error('the mock received no request')
  return { path: request.path, body: request.body }
}

/** An error answer as the client's raw HTTP response shows it. */
export async function readErrorResponse(
  t: VendorUnderTest,
  body: Record<string, unknown>,
): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
  const response = await fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify(body),
  })
  const json = (await response.json()) as unknown
  expectSchemaValidWhenAvailable('ErrorResponse', json)
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: json }
}

export type { MockReply }
