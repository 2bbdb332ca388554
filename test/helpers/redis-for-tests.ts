/**
 * Redis for the rate-limit tests: the machine's server (OPTIPROXY_TEST_REDIS_URL, default 127.0.0.1:6379), with a
 * key prefix unique to each run (never FLUSHALL: the server may be shared). With OPTIPROXY_REQUIRE_REDIS=1 or
 * CI=true a missing Redis fails the suite; elsewhere it is skipped with a loud warning.
 */
import { randomUUID } from 'node:crypto'
import { Socket } from 'node:net'
import { describe, it } from 'vitest'

export const testRedisUrl = process.env.OPTIPROXY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** True when a Redis server answers PING. */
export function pingRedis(timeoutMs = 1_000): Promise<boolean> {
  const url = new URL(testRedisUrl)
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

export function createRedisTestPrefix(): string {
  return `optiproxy-test:${randomUUID().slice(0, 8)}:`
}

/** `describe` that needs Redis: runs when it answers, fails when a run requires it, else skips loudly. */
export function describeNeedingRedis(available: boolean, name: string, fn: () => void): void {
  if (available) {
    describe(name, fn)
    return
  }
  if (process.env.OPTIPROXY_REQUIRE_REDIS === '1' || process.env.CI === 'true') {
    describe(name, () => {
      it('requires Redis', () => {
        throw new Error(`Redis is not reachable at ${testRedisUrl} and this run requires it (OPTIPROXY_REQUIRE_REDIS=1 or CI=true).`)
      })
    })
    return
  }
  console.warn(`\n!!! SKIPPING "${name}": no Redis at ${testRedisUrl}. Start redis-server or set OPTIPROXY_REQUIRE_REDIS=1 to fail instead.\n`)
  describe.skip(name, fn)
}
