import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { findFreePort, startRedisProcess, type RedisProcess } from '../helpers/redis-process.js'

// Item 7: Redis faults at start, at shutdown and mid-run, against a redis-server this test starts and stops itself
let upstream: MockUpstream
const unhandled: unknown[] = []
const recordUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}
beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  process.on('unhandledRejection', recordUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', recordUnhandled)
  await upstream.close()
})

const settingsFor = (redisUrl: string) => ({
  host: '127.0.0.1',
  port: 0,
  logLevel: 'silent' as const,
  openaiBaseUrl: upstream.url,
  openaiApiKey: 'sk-upstream',
  redisUrl,
  runDrainMs: 200,
})
const clientOf = (proxy: RunningServer) => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 20_000 })

describe('Redis faults', () => {
  let redis: RedisProcess | undefined
  let proxy: RunningServer | undefined
  afterEach(async () => {
    await proxy?.close().catch(() => undefined)
    await redis?.stop()
    proxy = undefined
    redis = undefined
  })

  it('Redis unreachable at start: the server keeps serving and answers store requests with a clear 503', async () => {
    const port = await findFreePort()
    proxy = await startServer(configSchema.parse(settingsFor(`redis://127.0.0.1:${port}`)))
    // the background queue's subscription fails meanwhile: it must not end the process
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(unhandled).toEqual([])
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200)
    const failure = await clientOf(proxy)
      .responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
      .catch((error: unknown) => error)
    expect(failure).toMatchObject({ status: 503, code: 'store_unavailable' })
    // chat completions do not need Redis at all
    expect((await clientOf(proxy).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).choices).toHaveLength(1)
    expect(unhandled).toEqual([])
  }, 20_000)

  it('Redis down before SIGTERM: shutdown still ends, within a bounded time', async () => {
    redis = await startRedisProcess()
    proxy = await startServer(configSchema.parse(settingsFor(redis.url)))
    await clientOf(proxy).responses.create({ model: 'gpt-4o-mini', input: 'hi' })
    await redis.stop()
    const started = performance.now()
    await proxy.shutdown(100)
    proxy = undefined
    expect(performance.now() - started).toBeLessThan(12_000)
    expect(unhandled).toEqual([])
  }, 30_000)

  it('Redis down mid-run: a finished answer is returned even though storing it fails', async () => {
    redis = await startRedisProcess()
    proxy = await startServer(configSchema.parse(settingsFor(redis.url)))
    const client = clientOf(proxy)
    await client.responses.create({ model: 'gpt-4o-mini', input: 'warm up' })
    await redis.stop()
    const calls = upstream.requests.length
    const answer = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' })
    expect(answer.status).toBe('completed')
    expect(answer.output_text.length).toBeGreaterThan(0)
    expect(upstream.requests.length).toBe(calls + 1)
    // streamed too
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true })
    const types: string[] = []
    for await (const event of stream) types.push(event.type)
    expect(types.at(-1)).toBe('response.completed')
    // reading a stored response while Redis is down is a clear, retryable 503
    await expect(client.responses.retrieve(answer.id)).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
    expect(unhandled).toEqual([])
  }, 30_000)
})
