import { createHash } from 'node:crypto'
import type { StreamEvent } from '../core/stream-event.js'
import { loadIoredis } from '../load-redis-modules.js'

/** Where cached answers live: the events of a whole, successful answer, replayed as they were. */
export interface ResponseCacheStore {
  get(key: string): Promise<StreamEvent[] | undefined>
  set(key: string, events: StreamEvent[]): Promise<void>
  close(): Promise<void>
}

/** Sorts object keys at every level, so two equal requests serialise the same whatever their key order. */
function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, canonicalize((value as Record<string, unknown>)[key])]),
  )
}

/**
 * The cache key of a request: SHA-256 of its canonical JSON (exact match: any difference is another key).
 * @example const key = computeCacheKey({ dialect: 'chat', requests, apiKeyName })
 */
export function computeCacheKey(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalize(value)))
    .digest('hex')
}

/**
 * An in-memory store bounded by entry count and total bytes; the least recently used entries go first, and
 * entries expire after `ttlMs`.
 * @example const store = createMemoryCacheStore({ maxEntries: 1000, maxBytes: 50 * 2 ** 20, ttlMs: 3_600_000 })
 */
export function createMemoryCacheStore(limits: {
  maxEntries: number
  maxBytes: number
  ttlMs: number
  now?: () => number
}): ResponseCacheStore & { readonly size: number; readonly bytes: number } {
  const now = limits.now ?? Date.now
  const entries = new Map<string, { text: string; expiresAt: number }>()
  let bytes = 0
  const remove = (key: string): void => {
    const entry = entries.get(key)
    if (entry === undefined) return
    bytes -= entry.text.length
    entries.delete(key)
  }
  return {
    async get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt <= now()) {
        remove(key)
        return undefined
      }
      // most recently used goes last
      entries.delete(key)
      entries.set(key, entry)
      return JSON.parse(entry.text) as StreamEvent[]
    },
    async set(key, events) {
      const text = JSON.stringify(events)
      if (text.length > limits.maxBytes) return
      remove(key)
      entries.set(key, { text, expiresAt: now() + limits.ttlMs })
      bytes += text.length
      for (const oldest of entries.keys()) {
        if (entries.size <= limits.maxEntries && bytes <= limits.maxBytes) break
        remove(oldest)
      }
    },
    async close() {},
    get size() {
      return entries.size
    },
    get bytes() {
      return bytes
    },
  }
}

/**
 * A store in Redis, shared by every instance (SET with an expiry). A Redis failure is a miss, reported to `onError`.
 * @example const store = createRedisCacheStore('redis://127.0.0.1:6379', 'optiproxy:', 3_600_000, console.error)
 */
export function createRedisCacheStore(url: string, prefix: string, ttlMs: number, onError: (error: unknown) => void): ResponseCacheStore {
  const { Redis } = loadIoredis()
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 2_000 })
  redis.on('error', () => undefined)
  const keyOf = (key: string): string => `${prefix}cache:${key}`
  return {
    async get(key) {
      try {
        const text = await redis.get(keyOf(key))
        return text === null ? undefined : (JSON.parse(text) as StreamEvent[])
      } catch (error) {
        onError(error)
        return undefined
      }
    },
    async set(key, events) {
      try {
        await redis.set(keyOf(key), JSON.stringify(events), 'PX', ttlMs)
      } catch (error) {
        onError(error)
      }
    },
    async close() {
      redis.disconnect()
    },
  }
}
