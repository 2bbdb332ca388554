import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { buildChatCompletion, buildErrorBody, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'
import { readRawSse } from '../helpers/start-proxy.js'

let upstream: MockUpstream
let proxy: RunningServer
let counter = 0

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  proxy = await startServer(
    configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, logLevel: 'silent', cache: { aliases: ['cached-model'] } }),
  )
})
afterAll(async () => {
  await proxy.close()
  await upstream.close()
})
beforeEach(() => {
  upstream.reset()
  upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: `answer ${++counter}` }) }))
})

/** A request no earlier test sent, so each test starts with an empty cache for it. */
const fresh = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: `question ${Math.random()}` }],
  temperature: 0,
  ...extra,
})

async function post(body: unknown, cacheHeader?: string): Promise<{ status: number; cache: string | null; content: string }> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(cacheHeader === undefined ? {} : { 'x-optiproxy-cache': cacheHeader }) },
  })
  const json = (await response.json()) as { choices?: Array<{ message: { content: string } }> }
  return { status: response.status, cache: response.headers.get('x-optiproxy-cache'), content: json.choices?.[0]?.message.content ?? '' }
}

describe('the response cache', () => {
  it('asked for with x-optiproxy-cache: use, an exact repeat is answered from the cache', async () => {
    const body = fresh()
    const first = await post(body, 'use')
    const second = await post(body, 'use')
    expect(first.cache).toBe('miss')
    expect(second).toEqual({ status: 200, cache: 'hit', content: first.content })
    expect(upstream.requests).toHaveLength(1)
  })

  it('any difference is another entry (key order is not a difference)', async () => {
    const body = fresh()
    await post(body, 'use')
    expect((await post({ ...body, max_tokens: 5 }, 'use')).cache).toBe('miss')
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    expect((await post(reordered, 'use')).cache).toBe('hit')
  })

  it('replays a cached answer as a stream', async () => {
    const body = fresh()
    const whole = await post(body, 'use')
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...body, stream: true }),
      headers: { 'content-type': 'application/json', 'x-optiproxy-cache': 'use' },
    })
    expect(response.headers.get('x-optiproxy-cache')).toBe('hit')
    const { events } = await readRawSse(response)
    expect(events.at(-1)?.data).toBe('[DONE]')
    const text = events
      .slice(0, -1)
      .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
      .join('')
    expect(text).toBe(whole.content)
    expect(upstream.requests).toHaveLength(1)
  })

  it('never for a temperature above 0 (or unset) unless asked with any-temperature', async () => {
    const warm = fresh({ temperature: 0.7 })
    await post(warm, 'use')
    expect((await post(warm, 'use')).cache).toBeNull()
    const unset = fresh({ temperature: undefined })
    await post(unset, 'use')
    await post(unset, 'use')
    expect(upstream.requests).toHaveLength(4)
    await post(warm, 'any-temperature')
    expect((await post(warm, 'any-temperature')).cache).toBe('hit')
  })

  it('a cached alias needs no header; x-optiproxy-cache: no bypasses it', async () => {
    const body = fresh({ model: 'cached-model' })
    expect((await post(body)).cache).toBe('miss')
    expect((await post(body)).cache).toBe('hit')
    expect((await post(body, 'no')).cache).toBeNull()
    expect(upstream.requests).toHaveLength(2)
  })

  it('a failed answer is not cached', async () => {
    const body = fresh()
    upstream.setHandler(() => ({ kind: 'json', status: 400, body: buildErrorBody({ message: 'nope', type: 'invalid_request_error' }) }))
    expect((await post(body, 'use')).status).toBe(400)
    upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'fine now' }) }))
    expect(await post(body, 'use')).toMatchObject({ cache: 'miss', content: 'fine now' })
  })

  it('counts hits and misses in /metrics', async () => {
    const text = await (await fetch(`${proxy.url}/metrics`)).text()
    expect(text).toMatch(/optiproxy_cache_requests_total\{result="hit"\} [1-9]/)
    expect(text).toMatch(/optiproxy_cache_requests_total\{result="miss"\} [1-9]/)
  })
})

describeWithRedis(await isRedisReachable(), 'the response cache in Redis', () => {
  it('is shared by two instances', async () => {
    const prefix = createTestKeyPrefix()
    const settings = { host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, logLevel: 'silent', redisUrl: redisUrl, cache: {} }
    const a = await startServer(configSchema.parse({ ...settings, redisKeyPrefix: prefix }))
    const b = await startServer(configSchema.parse({ ...settings, redisKeyPrefix: prefix }))
    try {
      const body = JSON.stringify(fresh())
      const ask = async (server: RunningServer) => {
        const response = await fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-optiproxy-cache': 'use' },
        })
        await response.arrayBuffer()
        return response.headers.get('x-optiproxy-cache')
      }
      expect(await ask(a)).toBe('miss')
      expect(await ask(b)).toBe('hit')
      expect(upstream.requests).toHaveLength(1)
    } finally {
      await a.close()
      await b.close()
      await deleteKeysWithPrefix(prefix)
    }
  })
})
