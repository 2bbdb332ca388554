/** A counting semaphore: a bounded number of holders, the others waiting in arrival order. */
export interface Semaphore {
  /**
   * Resolves with a release function once a slot is free (call it once done; further calls do nothing). Rejects
   * with the signal's reason when it aborts while waiting (or before), and with `createFullError()` when the
   * queue is full.
   */
  acquire(signal: AbortSignal): Promise<() => void>
  /** Holders now. */
  readonly running: number
  /** Waiters now. */
  readonly queued: number
}

export interface SemaphoreSettings {
  /** Holders at once. */
  limit: number
  /** Waiters at once; one more is refused with `createFullError()`. Unbounded when absent. */
  maxQueued?: number
  /** The error a refused waiter gets. */
  createFullError?: () => Error
}

/**
 * The one semaphore of the proxy, for a request's fan-out (calls in flight per request) and a provider's concurrency
 * limit (calls in flight per provider, a 429 past its queue). Written here rather than taken from p-limit: waiting
 * must end with the caller's AbortSignal, and a stream holds its slot until it is fully read, which a task queue
 * cannot express.
 * @example const release = await semaphore.acquire(signal); try { await call() } finally { release() }
 */
export function createSemaphore(settings: SemaphoreSettings): Semaphore {
  let running = 0
  const waiting: Array<() => void> = []
  const release = (): void => {
    const next = waiting.shift()
    // the slot passes straight to the next waiter: `running` stays the same
    if (next === undefined) running--
    else next()
  }
  const createRelease = (): (() => void) => {
    let released = false
    return () => {
      if (released) return
      released = true
      release()
    }
  }
  return {
    get running() {
      return running
    },
    get queued() {
      return waiting.length
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(readAbortReason(signal))
      if (running < settings.limit) {
        running++
        return Promise.resolve(createRelease())
      }
      if (settings.maxQueued !== undefined && waiting.length >= settings.maxQueued) {
        return Promise.reject(settings.createFullError?.() ?? new Error('Too many waiting.'))
      }
      return new Promise((resolve, reject) => {
        const grant = (): void => {
          signal.removeEventListener('abort', onAbort)
          resolve(createRelease())
        }
        const onAbort = (): void => {
          const position = waiting.indexOf(grant)
          if (position >= 0) waiting.splice(position, 1)
          reject(readAbortReason(signal))
        }
        waiting.push(grant)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    },
  }
}

function readAbortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError')
}
