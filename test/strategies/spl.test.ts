import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { Registry } from 'prom-client'
import { createApproachServices } from '../../src/approach-runtime/approach-services.js'
import { createMemoryStrategyStore, createRedisStrategyStore } from '../../src/strategies/create-strategy-store.js'
import { buildChatCompletion, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

describe('spl with a memory store', () => {
  it('learning off (the default): one call, nothing stored; learning on: the strategy is stored and reused', async () => {
    const strategies = createMemoryStrategyStore({ maxPerType: 2, maxTypes: 4, maxChars: 200 })
    const plain = createScriptedProvider(() => 'Answer: 391')
    await runApproachDirectly(plain, { approach: 'spl', question: 'What is 17 * 23?', services: { strategies } })
    expect(plain.calls).toHaveLength(1)
    expect(await strategies.listAll()).toEqual({})

    const learning = createScriptedProvider((call) =>
      call.lastText.includes('general strategy') ? 'Multiply by splitting one factor into tens and units.' : 'Answer: 391',
    )
    const first = await runApproachDirectly(learning, {
      approach: 'spl',
      question: 'What is 17 * 23?',
      services: { strategies },
      optiproxy: { spl: { learn: true } },
    })
    expect(learning.calls.map((call) => call.request.temperature)).toEqual([undefined, 0])
    expect(first.result.choices[0]?.reasoning).toContain('[spl] learned for math')
    const [stored] = (await strategies.listAll()).math ?? []
    expect(stored?.text).toBe('Multiply by splitting one factor into tens and units.')

    const reuse = createScriptedProvider(() => 'Answer: 1081')
    await runApproachDirectly(reuse, { approach: 'spl', question: 'Calculate 23 * 47', services: { strategies } })
    expect(reuse.calls[0]?.request.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('splitting one factor') })
    expect((await strategies.list('math', 1))[0]?.uses).toBe(1)
  })

  it('the store keeps at most maxPerType strategies per type, most used first', async () => {
    const strategies = createMemoryStrategyStore({ maxPerType: 2, maxTypes: 1, maxChars: 10 })
    const first = await strategies.add('math', 'first strategy, long')
    await strategies.recordUse('math', [first.id])
    await strategies.add('math', 'second')
    await strategies.add('math', 'third')
    expect((await strategies.list('math', 5)).map((strategy) => strategy.text)).toEqual(['first stra', 'third'])
    await expect(strategies.add('code', 'x')).rejects.toThrow('maximum of problem types')
  })
})

const redisAvailable = await isRedisReachable()

describeWithRedis(redisAvailable, 'spl across two instances on Redis', () => {
  let upstream: MockUpstream
  const servers: RunningServer[] = []
  const prefix = createTestKeyPrefix()

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream()
    upstream.setHandler((request) => {
      const body = request.body as { messages: Array<{ content: unknown }> }
      const last = JSON.stringify(body.messages.at(-1)?.content)
      const text = last.includes('general strategy') ? 'Check the units of every quantity before combining them.' : 'Answer: 12'
      return { kind: 'json', body: buildChatCompletion({ content: text }) }
    })
    for (let index = 0; index < 2; index++) {
      const config = configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, logLevel: 'silent', redisUrl, redisKeyPrefix: prefix })
      servers.push(await startServer(config))
    }
  })

  afterAll(async () => {
    const { Redis } = await import('ioredis')
    const redis = new Redis(redisUrl)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
    for (const server of servers) await server.close()
    await upstream.close()
  })

  it('a strategy learned on instance A is in the system prompt of a request on instance B, and listed by the admin endpoint', async () => {
    const [a, b] = servers.map((server) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })) as [OpenAI, OpenAI]
    await a.chat.completions.create({
      model: 'spl-gpt-4o-mini',
      messages: [{ role: 'user', content: 'How many hours are 720 minutes?' }],
      optiproxy: { spl: { learn: true } },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(upstream.requests).toHaveLength(2)
    upstream.requests.length = 0
    await b.chat.completions.create({
      model: 'spl-gpt-4o-mini',
      messages: [{ role: 'user', content: 'How many days are 288 hours?' }],
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(upstream.requests).toHaveLength(1)
    const sent = upstream.requests[0]?.body as { messages: Array<{ role: string; content: string }> }
    expect(sent.messages[0]?.role).toBe('system')
    expect(sent.messages[0]?.content).toContain('Check the units of every quantity')
    const listed = (await (await fetch(`${servers[1]?.url}/v1/spl/strategies`)).json()) as { data: Record<string, Array<{ text: string; uses: number }>> }
    expect(listed.data.math?.[0]).toMatchObject({ text: 'Check the units of every quantity before combining them.', uses: 1 })
  })
})

describeWithRedis(redisAvailable, 'the spl Redis store: atomic use counts, closed at shutdown', () => {
  const prefix = createTestKeyPrefix()
  afterAll(async () => {
    await deleteKeysWithPrefix(prefix)
  })

  it('two instances counting uses of the same strategies at once lose nothing', async () => {
    const { Redis } = await import('ioredis')
    const [a, b] = [createRedisStrategyStore(new Redis(redisUrl), prefix), createRedisStrategyStore(new Redis(redisUrl), prefix)]
    try {
      const first = await a.add('math', 'Check the units.')
      const second = await b.add('math', 'Estimate first.')
      const rounds = 100
      await Promise.all(Array.from({ length: rounds }, (_, index) => (index % 2 === 0 ? a : b).recordUse('math', [first.id, second.id])))
      await Promise.all(Array.from({ length: rounds }, () => b.recordUse('math', [first.id])))
      const listed = await a.list('math', 10)
      expect(Object.fromEntries(listed.map((strategy) => [strategy.text, strategy.uses]))).toEqual({
        'Check the units.': 2 * rounds,
        'Estimate first.': rounds,
      })
      // an id no longer stored gets no counter
      await a.recordUse('math', ['no-such-id'])
      expect((await b.listAll()).math).toHaveLength(2)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('past the per-type cap the least used strategy is dropped with its counter', async () => {
    const { Redis } = await import('ioredis')
    const store = createRedisStrategyStore(new Redis(redisUrl), prefix, { maxPerType: 2, maxTypes: 4, maxChars: 100 })
    try {
      const kept = await store.add('logic', 'kept')
      await store.recordUse('logic', [kept.id])
      const dropped = await store.add('logic', 'dropped soon')
      await store.add('logic', 'newest')
      expect((await store.list('logic', 5)).map((strategy) => strategy.text)).toEqual(['kept', 'newest'])
      const redis = new Redis(redisUrl)
      expect(await redis.hexists(`${prefix}spl:uses:logic`, dropped.id)).toBe(0)
      expect(await redis.hget(`${prefix}spl:uses:logic`, kept.id)).toBe('1')
      await redis.quit()
    } finally {
      await store.close()
    }
  })

  it('the approach services close their Redis connection (the server calls this at shutdown)', async () => {
    const managed = createApproachServices(new Registry(), { redisUrl, redisKeyPrefix: prefix })
    await managed.strategies.add('close-test', 'A strategy.')
    expect(await managed.strategies.list('close-test', 1)).toHaveLength(1)
    await managed.close()
    await expect(managed.strategies.list('close-test', 1)).rejects.toThrow(/closed/i)
    // services whose Redis store was never used close too
    await createApproachServices(new Registry(), { redisUrl, redisKeyPrefix: prefix }).close()
  })
})
