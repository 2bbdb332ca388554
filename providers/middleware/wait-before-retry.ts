/** A Retry-After beyond this is not waited for: the error goes to the client, who can decide. */
export const maxRetryAfterSeconds = 60

/**
 * Waits before retry number `attempt` (0-based): the upstream's Retry-After when it sent one, else exponential
 * backoff with jitter (0.5 s, 1 s, 2 s, ... up to 8 s). Rejects at once when the signal aborts.
 */
export function waitBeforeRetry(attempt: number, retryAfterSeconds: number | undefined, signal: AbortSignal): Promise<void> {
  const backoff = Math.min(8, 0.5 * 2 ** attempt) * (0.75 + Math.random() * 0.5)
  const seconds = Math.min(maxRetryAfterSeconds, retryAfterSeconds ?? backoff)
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, seconds * 1000)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
