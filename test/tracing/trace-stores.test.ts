import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestTrace } from '../../src/core/trace-span.js'
import { createMemoryTraceStore } from '../../src/tracing/memory-trace-store.js'
import { buildChatCompletion } from '../helpers/mock-openai-upstream.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'
import { startProxyUnderTest } from '../helpers/start-proxy.js'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import OpenAI from 'openai'
import { listUpstreamCalls, waitForTrace } from '../helpers/traces.js'

function buildTrace(id: string, startTime: number, padding = 0): RequestTrace {
  return {
    id,
    startTime,
    endTime: startTime + 5,
    status: 'ok',
    model: 'm',
    approach: 'bon',
    upstreamCalls: 1,
    promptTokens: 1,
    completionTokens: 1,
    droppedSpans: 0,
    spans: [{ id: 's1', kind: 'request', name: 'bon', startTime, endTime: startTime + 5, status: 'ok', attributes: { pad: 'x'.repeat(padding) }, events: [] }],
  }
}

describe('the memory ring', () => {
  it('keeps at most maxTraces, dropping the oldest', async () => {
    const store = createMemoryTraceStore({ maxTraces: 3, maxBytes: 10 ** 6 })
    for (let index = 0; index < 5; index++) await store.save(buildTrace(`t${index}`, index))
    expect(store.size).toBe(3)
    expect((await store.list({ limit: 10 })).map((trace) => trace.id)).toEqual(['t4', 't3', 't2'])
    expect(await store.get('t0')).toBeUndefined()
    // reading does not keep a trace from aging out
    await store.get('t2')
    await store.save(buildTrace('t5', 5))
    expect(await store.get('t2')).toBeUndefined()
  })

  it('keeps at most maxBytes of JSON, and refuses a trace larger than the whole ring', async () => {
    const store = createMemoryTraceStore({ maxTraces: 1000, maxBytes: 10_000 })
    for (let index = 0; index < 20; index++) await store.save(buildTrace(`t${index}`, index, 2_000))
    expect(store.bytes).toBeLessThanOrEqual(10_000)
    expect(store.size).toBeLessThan(20)
    expect((await store.list({ limit: 1 }))[0]?.id).toBe('t19')
    await store.save(buildTrace('huge', 99, 20_000))
    expect(await store.get('huge')).toBeUndefined()
    expect(await store.get('t19')).toBeDefined()
  })
})

describe('retries in the trace', () => {
  it('a retried call is one upstream_call span per attempt the upstream received', async () => {
    const t = await startProxyUnderTest({ upstreamMaxRetries: 2 })
    try {
      let calls = 0
      t.upstream.setHandler(() =>
        ++calls === 1
          ? { kind: 'json' as const, status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } }
          : { kind: 'json' as const, body: buildChatCompletion({ content: 'ok' }) },
      )
      await t.client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': 'req_retry' } },
      )
      const trace = await waitForTrace(t.proxy.url, 'req_retry')
      const spans = listUpstreamCalls(trace)
      expect(spans).toHaveLength(t.upstream.requests.length)
      expect(spans.map((span) => span.status)).toEqual(['error', 'ok'])
      expect(spans[1]?.attributes).toMatchObject({ 'optiproxy.attempt': 2, 'optiproxy.retry': 1 })
      expect(spans[0]?.endTime as number).toBeLessThanOrEqual(spans[1]?.startTime as number)
    } finally {
      await t.close()
    }
  })
})

const redisAvailable = await isRedisReachable()
describeWithRedis(redisAvailable, 'the Redis trace store', () => {
  let upstream: MockUpstream
  let first: RunningServer
  let second: RunningServer
  const prefix = createTestKeyPrefix()
  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream()
    const config = configSchema.parse({
      host: '127.0.0.1',
      port: 0,
      openaiBaseUrl: upstream.url,
      logLevel: 'silent',
      redisUrl,
      redisKeyPrefix: prefix,
      traceStore: 'redis',
      traceTtlSeconds: 60,
      traceMaxCount: 3,
    })
    first = await startServer(config)
    second = await startServer(config)
  })
  afterAll(async () => {
    await first?.close()
    await second?.close()
    await upstream?.close()
    await deleteKeysWithPrefix(prefix)
  })

  it('is shared by two instances: a request traced by one is listed and read by the other', async () => {
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
    await client.chat.completions.create(
      { model: 'bon-gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': 'req_shared_1' } },
    )
    const trace = await waitForTrace(second.url, 'req_shared_1')
    expect(listUpstreamCalls(trace)).toHaveLength(upstream.requests.length)
    const list = (await (await fetch(`${second.url}/v1/optiproxy/traces`)).json()) as { data: Array<{ id: string }> }
    expect(list.data.map((entry) => entry.id)).toContain('req_shared_1')
  })

  it('keeps the newest traceMaxCount in its index, newest first', async () => {
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
    for (let index = 0; index < 5; index++) {
      await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': `req_count_${index}` } },
      )
      await waitForTrace(first.url, `req_count_${index}`)
    }
    const list = (await (await fetch(`${second.url}/v1/optiproxy/traces?limit=10`)).json()) as { data: Array<{ id: string }> }
    expect(list.data.map((entry) => entry.id)).toEqual(['req_count_4', 'req_count_3', 'req_count_2'])
  })
})
