/** A per-request bound on concurrent upstream calls. */
export interface FanOutLimiter {
  /** Waits for a free slot (rejects when the signal aborts first); call the returned function to free it. */
  acquire(signal: AbortSignal): Promise<() => void>
  readonly active: number
}

/**
 * A counting semaphore for one request. Written here rather than taken from p-limit: waiting must end with the
 * request's AbortSignal, and a stream holds its slot until it is fully read, which a task queue cannot express.
 * @example const release = await limiter.acquire(signal); try { await call() } finally { release() }
 */
export function createFanOutLimiter(limit: number): FanOutLimiter {
  let active = 0
  const waiting: Array<() => void> = []
  const release = (): void => {
    const next = waiting.shift()
    if (next === undefined) active--
    else next()
  }
  return {
    get active() {
      return active
    },
    acquire(signal) {
      signal.throwIfAborted()
      if (active < limit) {
        active++
        return Promise.resolve(createReleaseOnce(release))
      }
      return new Promise((resolve, reject) => {
        const grant = (): void => {
          signal.removeEventListener('abort', onAbort)
          resolve(createReleaseOnce(release))
        }
        const onAbort = (): void => {
          const position = waiting.indexOf(grant)
          if (position >= 0) waiting.splice(position, 1)
          reject(signal.reason)
        }
        waiting.push(grant)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    },
  }
}

function createReleaseOnce(action: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    action()
  }
}
