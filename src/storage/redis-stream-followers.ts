import type { Redis } from 'ioredis'

/** One entry of a Redis Stream: its id and its field/value list. */
export type StreamEntry = [id: string, fields: string[]]

/** Every follower of every response's event stream, on one Redis connection. */
export interface StreamFollowers {
  /**
   * The entries of `key` after `lastId` (at most 500), as soon as there are any; an empty list after `blockMs`
   * without any, or when `signal` aborts. Rejects when Redis fails.
   */
  read(key: string, lastId: string, signal: AbortSignal): Promise<StreamEntry[]>
  /** How many reads are waiting now. */
  readonly waiting: number
  close(): void
}

interface Waiter {
  key: string
  lastId: string
  settle(entries: StreamEntry[] | Error): void
}

const compareIds = (a: string, b: string): number => {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number)
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number)
  return aMs - bMs || aSeq - bSeq
}

/**
 * Multiplexes every follower onto one blocking connection: one `XREAD BLOCK` names every followed stream (from the
 * earliest id any of its followers needs) and hands each follower the entries after its own id. A follower that
 * arrives while the read blocks interrupts it (CLIENT UNBLOCK from the command connection), so it waits for nothing.
 * A thousand followers hold one Redis connection, not a thousand.
 * @example const followers = createStreamFollowers(redis, { blockMs: 5000 }); await followers.read(key, '0-3', signal)
 */
export function createStreamFollowers(redis: Redis, options: { blockMs: number }): StreamFollowers {
  // no command deadline on it: XREAD BLOCK waits on purpose
  const reader = redis.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: 1 })
  reader.on('error', () => undefined)
  let readerId: number | undefined
  // asked first thing on every (re)connection, ahead of any read in the connection's queue
  const learnId = (): void => {
    readerId = undefined
    reader.client('ID').then(
      (id) => (readerId = Number(id)),
      () => undefined,
    )
  }
  learnId()
  reader.on('reconnecting', learnId)
  const waiters = new Set<Waiter>()
  let reading = false
  let blocked = false
  let closed = false

  const interrupt = (): void => {
    if (!blocked || readerId === undefined) return
    void redis.client('UNBLOCK', readerId).catch(() => undefined)
  }

  async function loop(): Promise<void> {
    reading = true
    try {
      while (waiters.size > 0 && !closed) {
        const from = new Map<string, string>()
        for (const waiter of waiters) {
          const known = from.get(waiter.key)
          if (known === undefined || compareIds(waiter.lastId, known) < 0) from.set(waiter.key, waiter.lastId)
        }
        const keys = [...from.keys()]
        let result: Array<[string, StreamEntry[]]> | null
        blocked = true
        try {
          result = (await reader.xread(
            'COUNT',
            500,
            'BLOCK',
            options.blockMs,
            'STREAMS',
            ...keys,
            ...keys.map((key) => from.get(key) as string),
          )) as typeof result
        } catch (error) {
          if (closed) return
          for (const waiter of [...waiters]) waiter.settle(error instanceof Error ? error : new Error(String(error)))
          continue
        } finally {
          blocked = false
        }
        for (const [key, entries] of result ?? []) {
          for (const waiter of [...waiters]) {
            if (waiter.key !== key) continue
            const after = entries.filter(([id]) => compareIds(id, waiter.lastId) > 0)
            if (after.length > 0) waiter.settle(after)
          }
        }
      }
    } finally {
      reading = false
    }
  }

  return {
    read(key, lastId, signal) {
      if (closed || signal.aborted) return Promise.resolve([])
      return new Promise<StreamEntry[]>((resolve, reject) => {
        const timer = setTimeout(() => waiter.settle([]), options.blockMs)
        const onAbort = (): void => waiter.settle([])
        const waiter: Waiter = {
          key,
          lastId,
          settle(outcome) {
            if (!waiters.delete(waiter)) return
            clearTimeout(timer)
            signal.removeEventListener('abort', onAbort)
            if (outcome instanceof Error) reject(outcome)
            else resolve(outcome)
          },
        }
        waiters.add(waiter)
        signal.addEventListener('abort', onAbort, { once: true })
        if (reading) interrupt()
        else void loop()
      })
    },
    get waiting() {
      return waiters.size
    },
    close() {
      closed = true
      for (const waiter of [...waiters]) waiter.settle([])
      reader.disconnect()
    },
  }
}
