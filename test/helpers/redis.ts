/**
 * Redis for the tests that need one: the machine's server on 127.0.0.1:6379, with a key prefix unique to each
 * test run (never FLUSHALL: the server may be shared). In CI (OPTIPROXY_REQUIRE_REDIS=1 or CI=true) a missing
 * Redis fails those suites; on a laptop without Redis they are skipped with a loud warning.
 */
import { randomUUID } from 'node:crypto'
import { Socket } from 'node:net'
import { describe, it } from 'vitest'

export const redisUrl = process.env.OPTIPROXY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** True when a Redis server answers PING at {@link redisUrl}. */
export function isRedisReachable(timeoutMs = 1_000): Promise<boolean> {
  const url = new URL(redisUrl)
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (reachable: boolean): void => {
      socket.destroy()
      resolve(reachable)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(Number(url.port || 6379), url.hostname, () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/** A key prefix no other test run uses. */
export function createTestKeyPrefix(): string {
  return `optiproxy-test:${randomUUID().slice(0, 8)}:`
}

const redisRequired = process.env.OPTIPROXY_REQUIRE_REDIS === '1' || process.env.CI === 'true'

/**
 * `describe` for suites that need Redis: runs when it answers; otherwise fails in CI and skips loudly elsewhere.
 * @example describeWithRedis(await isRedisReachable(), 'two instances', () => { ... })
 */
export function describeWithRedis(available: boolean, name: string, fn: () => void): void {
  if (available) {
    describe(name, fn)
    return
  }
  if (redisRequired) {
    describe(name, () => {
      it('requires Redis', () => {
        throw new Error(`Redis is not reachable at ${redisUrl} and this run requires it (OPTIPROXY_REQUIRE_REDIS=1 or CI=true).`)
      })
    })
    return
  }
  console.warn(`\n!!! SKIPPING "${name}": no Redis at ${redisUrl}. Start one (redis-server) or set OPTIPROXY_REQUIRE_REDIS=1 to fail instead.\n`)
  describe.skip(name, fn)
}

/**
 * Deletes every key under a test run's prefix (SCAN + DEL; never FLUSHALL).
 * @example afterAll(() => deleteKeysWithPrefix(prefix))
 */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
