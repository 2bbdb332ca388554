import { PassThrough } from 'node:stream'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { buildChatCompletion, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'

const keys = {
  open: 'sk-proxy-open-0123456789',
  narrow: 'sk-proxy-narrow-0123456789',
  fewRequests: 'sk-proxy-few-requests-0123',
  fewTokens: 'sk-proxy-few-tokens-01234',
}
const apiKeys = [
  { name: 'open', key: keys.open },
  { name: 'narrow', key: keys.narrow, models: ['gpt-4o-mini'], approaches: ['moa'] },
  { name: 'few-requests', key: keys.fewRequests, requests_per_minute: 2 },
  { name: 'few-tokens', key: keys.fewTokens, tokens_per_minute: 10 },
]
const hello = (model = 'gpt-4o') => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] })

let upstream: MockUpstream
let proxy: RunningServer
let logText = ''
const clientWith = (key: string) => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key, maxRetries: 0 })

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'ok', usage: { promptTokens: 11, completionTokens: 7 } }) }))
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => (logText += chunk.toString()))
  proxy = await startServer(
    configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, openaiApiKey: 'sk-upstream', logLevel: 'info', apiKeys }),
    { logDestination: destination },
  )
})
afterAll(async () => {
  await proxy.close()
  await upstream.close()
})

describe('several proxy keys', () => {
  it('each configured key is accepted; any other is a 401', async () => {
    expect((await clientWith(keys.open).chat.completions.create(hello())).choices[0]?.message.content).toBe('ok')
    await expect(clientWith('sk-proxy-open-0123456780').chat.completions.create(hello())).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' })
    await expect(clientWith(keys.open.slice(0, -1)).chat.completions.create(hello())).rejects.toMatchObject({ status: 401 })
  })

  it('a key limited to some models and approaches gets a 403 for the others', async () => {
    await expect(clientWith(keys.narrow).chat.completions.create(hello('gpt-4o'))).rejects.toMatchObject({ status: 403, code: 'model_not_allowed' })
    // gpt-4o-mini is allowed, but the default approach (none) is not among this key's approaches
    await expect(clientWith(keys.narrow).chat.completions.create(hello('gpt-4o-mini'))).rejects.toMatchObject({ status: 403, code: 'approach_not_allowed' })
    // a combination is allowed only when every approach in it is
    await expect(clientWith(keys.narrow).chat.completions.create(hello('moa&bon-gpt-4o-mini'))).rejects.toMatchObject({
      status: 403,
      code: 'approach_not_allowed',
      message: expect.stringContaining("'bon'"),
    })
    await expect(clientWith(keys.narrow).chat.completions.create(hello('moa|moa-gpt-4o-mini'))).resolves.toMatchObject({ object: 'chat.completion' })
  })

  it('requests per minute: past the limit, a 429 with Retry-After', async () => {
    const client = clientWith(keys.fewRequests)
    await client.chat.completions.create(hello())
    await client.chat.completions.create(hello())
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(hello()),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.fewRequests}` },
    })
    expect(response.status).toBe(429)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await response.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_requests' } })
  })

  it('tokens per minute: once an answer used them up, the next request is a 429', async () => {
    const client = clientWith(keys.fewTokens)
    await client.chat.completions.create(hello())
    // the tokens are counted when the answer has ended: give the log line (and the count) a moment
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 429; attempt++) {
      status = await client.chat.completions.create(hello()).then(
        () => 200,
        (error: { status: number }) => error.status,
      )
    }
    expect(status).toBe(429)
  })

  it('logs the key name, never the key', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(logText).toContain('"api_key_name":"open"')
    for (const key of Object.values(keys)) expect(logText).not.toContain(key)
  })
})

describeWithRedis(await isRedisReachable(), 'rate limits shared through Redis', () => {
  it('two instances count one key together', async () => {
    const settings = {
      host: '127.0.0.1',
      port: 0,
      openaiBaseUrl: upstream.url,
      openaiApiKey: 'sk-upstream',
      logLevel: 'silent',
      redisUrl: redisUrl,
      apiKeys: [{ name: `shared-${Date.now()}`, key: keys.open, requests_per_minute: 3 }],
    }
    const prefix = createTestKeyPrefix()
    const a = await startServer(configSchema.parse({ ...settings, redisKeyPrefix: prefix }))
    const b = await startServer(configSchema.parse({ ...settings, redisKeyPrefix: prefix }))
    try {
      const post = (server: RunningServer) =>
        fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          body: JSON.stringify(hello()),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.open}` },
        }).then(async (response) => {
          await response.arrayBuffer()
          return response.status
        })
      expect([await post(a), await post(b), await post(a)]).toEqual([200, 200, 200])
      expect(await post(b)).toBe(429)
    } finally {
      await a.close()
      await b.close()
      await deleteKeysWithPrefix(prefix)
    }
  })
})
