import { setTimeout as sleep } from 'node:timers/promises'

/** What waitAtMost returns when the time ran out first. */
export const timedOut = Symbol('timed out')

/**
 * Waits for a promise for at most `ms` (the timer does not keep the process alive); a rejection is passed on.
 * @example if ((await waitAtMost(redis.quit(), 2000)) === timedOut) redis.disconnect()
 */
export function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  return Promise.race([promise, sleep(ms, timedOut, { ref: false })])
}
