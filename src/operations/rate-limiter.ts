import { loadIoredis } from '../load-redis-modules.js'
import { ProxyError } from '../core/proxy-error.js'

export interface KeyLimits {
  requestsPerMinute?: number
  tokensPerMinute?: number
}

/**
 * Per-key rate limits over fixed one-minute windows: requests are counted as they arrive, tokens when each
 * answer ends (so one answer may overshoot; the next request is then refused until the window turns).
 */
export interface RateLimiter {
  /** Counts one request for `name`; throws a 429 `rate_limit_error` with Retry-After when the window's requests or tokens are used up. */
  admit(name: string, limits: KeyLimits): Promise<void>
  /** Adds the tokens an answer used to the key's current window. */
  addTokens(name: string, tokens: number): Promise<void>
  close(): Promise<void>
}

const windowMs = 60_000

function currentWindow(now = Date.now()): { index: number; secondsLeft: number } {
  const index = Math.floor(now / windowMs)
  return { index, secondsLeft: Math.max(1, Math.ceil(((index + 1) * windowMs - now) / 1000)) }
}

function createLimitError(what: 'requests' | 'tokens', limit: number, secondsLeft: number): ProxyError {
  return new ProxyError(`Rate limit reached for this API key: ${limit} ${what} per minute. Retry after ${secondsLeft} s.`, {
    status: 429,
    type: 'rate_limit_error',
    code: what === 'requests' ? 'rate_limit_requests' : 'rate_limit_tokens',
    isRetryable: true,
    retryAfter: String(secondsLeft),
  })
}

/**
 * The limiter of one instance, in memory (one entry per configured key: it cannot grow with traffic).
 * @example const limiter = createMemoryRateLimiter(); await limiter.admit('team-a', { requestsPerMinute: 60 })
 */
export function createMemoryRateLimiter(): RateLimiter {
  const windows = new Map<string, { index: number; requests: number; tokens: number }>()
  const windowOf = (name: string, index: number) => {
    let entry = windows.get(name)
    if (entry === undefined || entry.index !== index) {
      entry = { index, requests: 0, tokens: 0 }
      windows.set(name, entry)
    }
    return entry
  }
  return {
    async admit(name, limits) {
      const { index, secondsLeft } = currentWindow()
      const entry = windowOf(name, index)
      if (limits.tokensPerMinute !== undefined && entry.tokens >= limits.tokensPerMinute) throw createLimitError('tokens', limits.tokensPerMinute, secondsLeft)
      if (limits.requestsPerMinute !== undefined && entry.requests >= limits.requestsPerMinute)
        throw createLimitError('requests', limits.requestsPerMinute, secondsLeft)
      entry.requests++
    },
    async addTokens(name, tokens) {
      windowOf(name, currentWindow().index).tokens += tokens
    },
    async close() {},
  }
}

/**
 * The limiter shared by every instance that uses the same Redis: one counter per key, window and kind
 * (INCR / INCRBY with a two-minute expiry). When Redis cannot be reached, requests are let through and the
 * failure is reported to `onError` (a limiter outage must not take the proxy down).
 * @example const limiter = createRedisRateLimiter('redis://127.0.0.1:6379', 'optiproxy:', console.error)
 */
export function createRedisRateLimiter(url: string, prefix: string, onError: (error: unknown) => void): RateLimiter {
  const { Redis } = loadIoredis()
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false, commandTimeout: 2_000 })
  redis.on('error', () => undefined)
  const keyOf = (name: string, index: number, kind: 'requests' | 'tokens'): string => `${prefix}ratelimit:${name}:${index}:${kind}`
  return {
    async admit(name, limits) {
      if (limits.requestsPerMinute === undefined && limits.tokensPerMinute === undefined) return
      const { index, secondsLeft } = currentWindow()
      let requests: number
      let tokens: number
      try {
        const results = await redis
          .multi()
          .incr(keyOf(name, index, 'requests'))
          .expire(keyOf(name, index, 'requests'), 120)
          .get(keyOf(name, index, 'tokens'))
          .exec()
        requests = Number(results?.[0]?.[1] ?? 0)
        tokens = Number(results?.[2]?.[1] ?? 0)
      } catch (error) {
        onError(error)
        return
      }
      if (limits.tokensPerMinute !== undefined && tokens >= limits.tokensPerMinute) throw createLimitError('tokens', limits.tokensPerMinute, secondsLeft)
      if (limits.requestsPerMinute !== undefined && requests > limits.requestsPerMinute)
        throw createLimitError('requests', limits.requestsPerMinute, secondsLeft)
    },
    async addTokens(name, tokens) {
      if (tokens <= 0) return
      const key = keyOf(name, currentWindow().index, 'tokens')
      try {
        await redis.multi().incrby(key, tokens).expire(key, 120).exec()
      } catch (error) {
        onError(error)
      }
    },
    async close() {
      redis.disconnect()
    },
  }
}
