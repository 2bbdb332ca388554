import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryResponseStore } from '../../src/storage/memory-response-store.js'
import type { ResponseItem } from '../../src/openai/responses-items.js'
import type { StoredResponse } from '../../src/storage/response-store.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

// Item 10: the in-memory store was bounded by count only, and every chained response copied its whole history
// (one 2 MB input and 161 small chained requests: RSS 81 -> 406 MiB)
const big = 'x'.repeat(2 * 1024 ** 2)

describe('the in-memory response store', () => {
  it('shares the history of a chain instead of copying it', async () => {
    const store = createMemoryResponseStore({ maxEntries: 1000, maxBytes: 1024 ** 3, ttlMs: 60_000 })
    const message = (text: string): ResponseItem => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }) as unknown as ResponseItem
    const record = (id: string, inputItems: ResponseItem[], historyItems: ResponseItem[]): StoredResponse =>
      ({ response: { id, object: 'response', output: [], status: 'completed' }, owner: 'key:a', inputItems, historyItems }) as unknown as StoredResponse
    await store.save(record('resp_0', [message(big)], []))
    let previous = (await store.get('resp_0')) as StoredResponse
    for (let index = 1; index <= 161; index++) {
      await store.save(record(`resp_${index}`, [message(`turn ${index}`)], [...previous.historyItems, ...previous.inputItems, ...previous.response.output]))
      previous = (await store.get(`resp_${index}`)) as StoredResponse
    }
    const first = (await store.get('resp_0')) as StoredResponse
    // the same object, not a copy of it
    expect(previous.historyItems[0]).toBe(first.inputItems[0])
    expect(previous.historyItems).toHaveLength(161)
  })

  it('is bounded by bytes: the least recently used go first', async () => {
    const store = createMemoryResponseStore({ maxEntries: 1000, maxBytes: 5 * 1024 ** 2, ttlMs: 60_000 })
    const record = (id: string): StoredResponse =>
      ({
        response: { id, object: 'response', output: [], status: 'completed' },
        owner: 'key:a',
        inputItems: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: big }] }],
        historyItems: [],
      }) as unknown as StoredResponse
    for (let index = 0; index < 5; index++) await store.save(record(`resp_${index}`))
    expect(await store.get('resp_0')).toBeUndefined()
    expect(await store.get('resp_4')).toBeDefined()
  })
})

describe('chained responses over HTTP with a byte-bounded store', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest({ responseStoreMaxBytes: 12 * 1024 ** 2, bodyLimitBytes: 8 * 1024 ** 2 })
  })
  afterAll(() => t.close())

  it('a 2 MB input and 40 chained turns: every turn carries the history, old turns are evicted by bytes', async () => {
    let previous = await t.client.responses.create({ model: 'gpt-4o-mini', input: big })
    const first = previous.id
    for (let turn = 0; turn < 40; turn++)
      previous = await t.client.responses.create({ model: 'gpt-4o-mini', input: `turn ${turn}`, previous_response_id: previous.id })
    expect(t.upstream.requests.at(-1)?.rawBody.length).toBeGreaterThan(2 * 1024 ** 2)
    expect((await t.client.responses.retrieve(previous.id)).id).toBe(previous.id)
    await expect(t.client.responses.retrieve(first)).rejects.toMatchObject({ status: 404 })
  })
})
