import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { buildChatCompletion, buildChatCompletionChunks, buildErrorBody, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { readRawSse } from '../helpers/start-proxy.js'

let first: MockUpstream
let second: MockUpstream
let proxy: RunningServer
let client: OpenAI

beforeAll(async () => {
  first = await startMockOpenAIUpstream()
  second = await startMockOpenAIUpstream()
  const config = configSchema.parse({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    openaiBaseUrl: first.url,
    openaiApiKey: 'sk-upstream',
    providers: {
      one: { type: 'openai-compatible', base_url: first.url, api_key: 'sk-one' },
      two: { type: 'openai-compatible', base_url: second.url, api_key: 'sk-two' },
    },
    providerLimits: { one: { first_byte_timeout_ms: 300 } },
    groups: {
      smart: { strategy: 'fallback', targets: ['one/model-a', { target: 'two/model-b' }], failure_threshold: 1000 },
      resting: { strategy: 'fallback', targets: ['one/model-r', 'two/model-r'], failure_threshold: 1, cooldown_ms: 60_000 },
    },
  })
  proxy = await startServer(config)
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-client', maxRetries: 0 })
})
afterAll(async () => {
  await proxy.close()
  await first.close()
  await second.close()
})
beforeEach(() => {
  first.reset()
  second.reset()
})

const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] })
const serverError = () => ({ kind: 'json' as const, status: 500, body: buildErrorBody({ message: 'boom', type: 'server_error' }) })

describe('a fallback group', () => {
  it('answers from the first target when it works, and names it in x-optiproxy-target', async () => {
    const { data, response } = await client.chat.completions.create(ask('smart')).withResponse()
    expect(data.choices[0]?.message.content).toBeTruthy()
    expect(response.headers.get('x-optiproxy-target')).toBe('one/model-a')
    expect(first.requests).toHaveLength(1)
    expect((first.requests[0]?.body as { model: string }).model).toBe('model-a')
    expect(second.requests).toHaveLength(0)
  })

  it('500 from the first target: the second answers', async () => {
    first.setHandler(serverError)
    second.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'from two' }) }))
    const { data, response } = await client.chat.completions.create(ask('smart')).withResponse()
    expect(data.choices[0]?.message.content).toBe('from two')
    expect(response.headers.get('x-optiproxy-target')).toBe('two/model-b')
    expect((second.requests[0]?.body as { model: string }).model).toBe('model-b')
  })

  it('500 before the first byte of a stream: the stream comes from the second target', async () => {
    first.setHandler(serverError)
    second.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['from', ' two'] }) }))
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...ask('smart'), stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.headers.get('x-optiproxy-target')).toBe('two/model-b')
    const { events } = await readRawSse(response)
    expect(events.at(-1)?.data).toBe('[DONE]')
  })

  it('the first target hangs: its first-byte timeout fires and the second answers (whole and streamed)', async () => {
    first.setHandler(() => ({ kind: 'hang' }))
    second.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['late', ' but', ' here'] }) }))
    const stream = await client.chat.completions.create({ ...ask('smart'), stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('late but here')
    second.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'whole' }) }))
    expect((await client.chat.completions.create(ask('smart'))).choices[0]?.message.content).toBe('whole')
    await first.waitForClosed(2)
  })

  it('a client error (400) from the first target is not retried elsewhere', async () => {
    first.setHandler(() => ({ kind: 'json', status: 400, body: buildErrorBody({ message: 'bad', type: 'invalid_request_error', code: 'bad_thing' }) }))
    await expect(client.chat.completions.create(ask('smart'))).rejects.toMatchObject({ status: 400, code: 'bad_thing' })
    expect(second.requests).toHaveLength(0)
  })

  it('a target that dies mid-stream: error frame, no switch after bytes were sent', async () => {
    first.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b', 'c'] }), destroyAfter: 2 }))
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...ask('smart'), stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    const { events } = await readRawSse(response)
    expect(events.at(-1)?.data).toContain('"error"')
    expect(second.requests).toHaveLength(0)
  })

  it('every target failing gives the last failure', async () => {
    first.setHandler(serverError)
    second.setHandler(() => ({ kind: 'json', status: 503, body: buildErrorBody({ message: 'down', type: 'server_error' }) }))
    await expect(client.chat.completions.create(ask('smart'))).rejects.toMatchObject({ status: 503 })
  })
})

describe('per-target health', () => {
  it('a target that failed rests for its cool-down: later calls go straight to the next one', async () => {
    first.setHandler(serverError)
    await client.chat.completions.create(ask('resting'))
    await client.chat.completions.create(ask('resting'))
    await client.chat.completions.create(ask('resting'))
    expect(first.requests).toHaveLength(1)
    expect(second.requests).toHaveLength(3)
  })
})

describe('/v1/models and /health', () => {
  it('lists the group aliases and reports a failing provider degraded', async () => {
    const models = await client.models.list()
    const ids = models.data.map((model) => model.id)
    expect(ids).toContain('smart')
    first.setHandler(serverError)
    for (let i = 0; i < 3; i++) await client.chat.completions.create(ask('one/x')).catch(() => undefined)
    const health = (await (await fetch(`${proxy.url}/health`)).json()) as { degraded: string[] }
    expect(health.degraded).toContain('one')
    const list = (await (await fetch(`${proxy.url}/v1/models`)).json()) as { object: string; degraded_providers?: string[] }
    expect(list.degraded_providers).toContain('one')
  })
})
