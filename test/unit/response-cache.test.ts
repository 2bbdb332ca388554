import { describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { computeCacheKey, createMemoryCacheStore } from '../../src/operations/response-cache.js'

const answer = (text: string): StreamEvent[] => [
  { type: 'text-delta', choice: 0, delta: text },
  { type: 'finish', choice: 0, finishReason: 'stop' },
]

describe('createMemoryCacheStore', () => {
  it('evicts the least recently used entry past max_entries', async () => {
    const store = createMemoryCacheStore({ maxEntries: 2, maxBytes: 1_000_000, ttlMs: 60_000 })
    await store.set('a', answer('a'))
    await store.set('b', answer('b'))
    await store.get('a')
    await store.set('c', answer('c'))
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toEqual(answer('a'))
    expect(store.size).toBe(2)
  })

  it('stays under max_bytes and refuses an entry larger than the whole cache', async () => {
    const store = createMemoryCacheStore({ maxEntries: 100, maxBytes: 300, ttlMs: 60_000 })
    for (let i = 0; i < 10; i++) await store.set(`k${i}`, answer('x'.repeat(50)))
    expect(store.bytes).toBeLessThanOrEqual(300)
    await store.set('huge', answer('y'.repeat(400)))
    expect(await store.get('huge')).toBeUndefined()
  })

  it('expires entries after ttl', async () => {
    let clock = 1_000
    const store = createMemoryCacheStore({ maxEntries: 10, maxBytes: 10_000, ttlMs: 100, now: () => clock })
    await store.set('a', answer('a'))
    clock += 99
    expect(await store.get('a')).toEqual(answer('a'))
    clock += 1
    expect(await store.get('a')).toBeUndefined()
  })
})

describe('computeCacheKey', () => {
  it('ignores key order and undefined fields, and tells any other difference apart', () => {
    expect(computeCacheKey({ a: 1, b: { c: 2, d: 3 } })).toBe(computeCacheKey({ b: { d: 3, c: 2 }, a: 1, e: undefined }))
    expect(computeCacheKey({ a: 1 })).not.toBe(computeCacheKey({ a: 2 }))
    expect(computeCacheKey({ list: [1, 2] })).not.toBe(computeCacheKey({ list: [2, 1] }))
  })
})
