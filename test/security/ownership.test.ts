import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

// Items 3 and 4: stored responses, runs, event streams and cached answers belonged to nobody
const keys = { alice: 'sk-proxy-alice-0000000001', bob: 'sk-proxy-bob-00000000002' }

const clientFor = (t: ProxyUnderTest, apiKey: string) => new OpenAI({ baseURL: t.baseURL, apiKey, maxRetries: 0, timeout: 15_000 })

const lastUserText = (t: ProxyUnderTest): string => JSON.stringify(t.upstream.requests.at(-1)?.body)

describe('responses belong to the key that created them (named proxy keys)', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest(
      {
        openaiApiKey: 'sk-upstream-key',
        apiKeys: [
          { name: 'alice', key: keys.alice },
          { name: 'bob', key: keys.bob },
        ],
      },
      keys.alice,
    )
  })
  afterAll(() => t.close())

  it('another key can neither read, list, chain on, follow, cancel nor delete a response: each is a 404', async () => {
    const alice = clientFor(t, keys.alice)
    const bob = clientFor(t, keys.bob)
    const created = await alice.responses.create({ model: 'gpt-4o-mini', input: 'alice secret prompt' })
    const background = await alice.responses.create({ model: 'gpt-4o-mini', input: 'alice background prompt', background: true })

    await expect(bob.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 })
    await expect(bob.responses.inputItems.list(created.id)).rejects.toMatchObject({ status: 404 })
    const requestsBefore = t.upstream.requests.length
    await expect(bob.responses.create({ model: 'gpt-4o-mini', input: 'next', previous_response_id: created.id })).rejects.toMatchObject({ status: 404 })
    expect(t.upstream.requests.length).toBe(requestsBefore)
    await expect(bob.responses.delete(created.id)).rejects.toMatchObject({ status: 404 })
    await expect(bob.responses.cancel(background.id)).rejects.toMatchObject({ status: 404 })
    const follow = await fetch(`${t.baseURL}/responses/${background.id}?stream=true`, { headers: { authorization: `Bearer ${keys.bob}` } })
    expect(follow.status).toBe(404)

    // the owner still has all of it
    expect((await alice.responses.retrieve(created.id)).id).toBe(created.id)
    expect((await alice.responses.inputItems.list(created.id)).data.length).toBeGreaterThan(0)
    await alice.responses.create({ model: 'gpt-4o-mini', input: 'next', previous_response_id: created.id })
    expect(lastUserText(t)).toContain('alice secret prompt')
    await alice.responses.delete(created.id)
  })
})

describe('bring-your-own-key: the client is its own key (hashed)', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest(
      { cache: { aliases: [], any_temperature: false, ttl_ms: 60_000, max_entries: 100, max_bytes: 1024 ** 2 } },
      'sk-victim-own-openai-key-1',
    )
  })
  afterAll(() => t.close())

  it("another bearer (or none) cannot read the victim's response", async () => {
    const victim = clientFor(t, 'sk-victim-own-openai-key-1')
    const created = await victim.responses.create({ model: 'gpt-4o-mini', input: 'victim prompt' })
    await expect(clientFor(t, 'sk-attacker-own-key-000002').responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 })
    const anonymous = await fetch(`${t.baseURL}/responses/${created.id}`)
    expect(anonymous.status).toBe(404)
    expect((await victim.responses.retrieve(created.id)).id).toBe(created.id)
  })

  it('a cached answer is served only to the client that paid for it', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'cache me' }] })
    const ask = (authorization?: string) =>
      fetch(`${t.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-optiproxy-cache': 'use', ...(authorization === undefined ? {} : { authorization }) },
        body,
      })
    const victim = await ask('Bearer sk-victim-own-openai-key-1')
    expect(victim.status).toBe(200)
    const upstreamCalls = t.upstream.requests.length
    // the victim's own repeat is a hit: the cache works
    await ask('Bearer sk-victim-own-openai-key-1')
    expect(t.upstream.requests.length).toBe(upstreamCalls)
    // anyone else is a miss that goes upstream with their own key
    await ask('Bearer sk-attacker-own-key-000002')
    expect(t.upstream.requests.length).toBe(upstreamCalls + 1)
    expect(t.upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-attacker-own-key-000002')
    await ask()
    expect(t.upstream.requests.length).toBe(upstreamCalls + 2)
  })
})
