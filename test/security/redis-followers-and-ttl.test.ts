import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { buildChatCompletionChunks } from '../helpers/mock-openai-upstream.js'
import { startRedisProcess, type RedisProcess } from '../helpers/redis-process.js'

// Item 10 with Redis: each stream follower opened its own connection; appending events did not refresh the TTL
let redis: RedisProcess
let admin: Redis
let t: ProxyUnderTest
beforeAll(async () => {
  redis = await startRedisProcess()
  admin = new Redis(redis.url)
  t = await startProxyUnderTest({ redisUrl: redis.url, responseTtlSeconds: 1 })
})
afterAll(async () => {
  await t.close()
  admin.disconnect()
  await redis.stop()
})

const connectedClients = async (): Promise<number> => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1])

describe('Redis followers and TTL', () => {
  it('40 followers of a run share one connection', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array(30).fill('a') }), delayMs: 50 }))
    const queued = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
    const baseline = await connectedClients()
    const controllers = Array.from({ length: 40 }, () => new AbortController())
    const follows = controllers.map((controller) =>
      fetch(`${t.baseURL}/responses/${queued.id}?stream=true`, { headers: { authorization: 'Bearer sk-client-key' }, signal: controller.signal }).then(
        (response) => response.text(),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 400))
    const during = await connectedClients()
    const texts = await Promise.all(follows)
    // before: one connection per follower (40 more); now at most the one shared reader
    expect(during - baseline).toBeLessThanOrEqual(1)
    for (const text of texts) expect(text).toContain('response.completed')
  })

  it('a run that outlives the TTL keeps its object while it writes (every append refreshes it)', async () => {
    // 40 events 60 ms apart: 2.4 s of writing with a 1 s TTL
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array(40).fill('b') }), delayMs: 60 }))
    const queued = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
    let status = 'queued'
    for (let attempt = 0; attempt < 60 && (status === 'queued' || status === 'in_progress'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = (await t.client.responses.retrieve(queued.id)).status ?? ''
    }
    expect(status).toBe('completed')
    const done = await t.client.responses.retrieve(queued.id)
    expect(done.output_text).toBe('b'.repeat(40))
  })
})
