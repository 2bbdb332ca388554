import { setMaxListeners } from 'node:events'

/**
 * The server's life: serving, then draining for shutdown. In-flight requests are counted so shutdown can wait
 * for them; `streamsEnd` fires when the grace period is over and what is still open must end. One per app.
 */
export interface Lifecycle {
  readonly draining: boolean
  readonly inFlight: number
  /** Aborts when shutdown's grace period has passed: open responses end with an error frame. */
  readonly streamsEnd: AbortSignal
  startRequest(): () => void
  beginDrain(): void
  endStreams(): void
  /** Resolves when no request is in flight, or after `timeoutMs` (true when idle). */
  waitForIdle(timeoutMs: number): Promise<boolean>
}

/**
 * @example const lifecycle = createLifecycle(); const done = lifecycle.startRequest(); ...; done()
 */
export function createLifecycle(): Lifecycle {
  let draining = false
  let inFlight = 0
  const ending = new AbortController()
  // every open response listens to it (and stops listening when it ends): thousands at once is normal
  setMaxListeners(0, ending.signal)
  const idleWaiters = new Set<() => void>()
  return {
    get draining() {
      return draining
    },
    get inFlight() {
      return inFlight
    },
    streamsEnd: ending.signal,
    startRequest() {
      inFlight++
      let finished = false
      return () => {
        if (finished) return
        finished = true
        inFlight--
        if (inFlight === 0) for (const wake of idleWaiters) wake()
      }
    },
    beginDrain() {
      draining = true
    },
    endStreams() {
      ending.abort()
    },
    waitForIdle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const wake = (): void => {
          clearTimeout(timer)
          idleWaiters.delete(wake)
          resolve(inFlight === 0)
        }
        const timer = setTimeout(wake, timeoutMs)
        idleWaiters.add(wake)
      })
    },
  }
}
