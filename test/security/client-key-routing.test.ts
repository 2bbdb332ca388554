import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockAnthropicUpstream } from '../helpers/mock-anthropic-upstream.js'
import { startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'

// Item 5: a client's own key reached every provider on GET /v1/models, and a fallback group's third party
const clientKey = 'sk-client-own-openai-key-0001'
let openai: MockUpstream
let thirdParty: MockUpstream
let keyed: MockUpstream
let anthropic: MockVendorUpstream
let gemini: MockVendorUpstream
let proxy: RunningServer
let client: OpenAI

beforeAll(async () => {
  ;[openai, thirdParty, keyed, anthropic, gemini] = await Promise.all([
    startMockOpenAIUpstream(),
    startMockOpenAIUpstream(),
    startMockOpenAIUpstream(),
    startMockAnthropicUpstream(),
    startMockGeminiUpstream(),
  ])
  proxy = await startServer(
    configSchema.parse({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      openaiBaseUrl: openai.url,
      anthropicBaseUrl: anthropic.baseURL,
      geminiBaseUrl: gemini.baseURL,
      providers: {
        thirdparty: { type: 'openai-compatible', base_url: thirdParty.url },
        keyed: { type: 'openai-compatible', base_url: keyed.url, api_key: 'sk-keyed-own-key' },
      },
      groups: {
        smart: { strategy: 'fallback', targets: ['openai/gpt-4o-mini', 'thirdparty/llama', 'keyed/llama'], failure_threshold: 1000 },
      },
    }),
  )
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: clientKey, maxRetries: 0 })
})
afterAll(async () => {
  await proxy.close()
  await Promise.all([openai, thirdParty, keyed, anthropic, gemini].map((upstream) => upstream.close()))
})
beforeEach(() => {
  for (const upstream of [openai, thirdParty, keyed, anthropic, gemini]) upstream.reset()
})

const allHeaders = (upstream: MockUpstream): string => JSON.stringify(upstream.requests.map((request) => request.headers))

describe("bring-your-own-key: the client's key goes only to the provider the request was routed to", () => {
  it('GET /v1/models sends it to the default provider only; the others are asked with their own key or not at all', async () => {
    const list = await client.models.list()
    expect(list.data.length).toBeGreaterThan(0)
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${clientKey}`)
    for (const other of [anthropic, gemini, thirdParty]) expect(allHeaders(other)).not.toContain(clientKey)
    expect(keyed.requests[0]?.headers.authorization).toBe('Bearer sk-keyed-own-key')
  })

  it('a fallback group never forwards it to a target on another provider', async () => {
    openai.setHandler(() => ({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', code: null, param: null } } }))
    thirdParty.setHandler((request) =>
      request.headers.authorization === undefined
        ? { kind: 'json', status: 401, body: { error: { message: 'missing key', type: 'invalid_request_error', code: 'invalid_api_key', param: null } } }
        : { kind: 'json', status: 500, body: { error: { message: 'should not be reached with a key', type: 'server_error', code: null, param: null } } },
    )
    const failure = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error)
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${clientKey}`)
    expect(thirdParty.requests).toHaveLength(1)
    expect(allHeaders(thirdParty)).not.toContain(clientKey)
    // the third party had no key of its own and got none: an authentication error, not a leak
    expect(failure).toMatchObject({ status: 401 })
    expect(allHeaders(keyed)).not.toContain(clientKey)
  })

  it('a model routed to Anthropic or Gemini still carries the key there, and only there', async () => {
    await client.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] })
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe(clientKey)
    for (const other of [openai, gemini, thirdParty, keyed]) expect(allHeaders(other)).not.toContain(clientKey)
  })
})
