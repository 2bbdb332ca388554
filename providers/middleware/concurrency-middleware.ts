import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import { createSemaphore, type Semaphore } from '../../src/core/semaphore.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ProviderMiddleware } from './provider-middleware.js'

export interface ConcurrencyLimitSettings {
  /** Upstream calls running at once; more wait in the queue. */
  maxConcurrent: number
  /** Calls that may wait; one more is refused with a 429. */
  maxQueued: number
  /** Retry-After (seconds) sent with that 429. */
  retryAfterSeconds: number
}

/** The concurrency middleware, and how busy its provider is (for /health and least-busy routing). */
export interface ConcurrencyMiddleware extends ProviderMiddleware {
  readonly load: { readonly running: number; readonly queued: number }
}

/**
 * Bounds the upstream calls of one provider: at most `maxConcurrent` at once (a stream holds its slot until it
 * ends), at most `maxQueued` waiting in arrival order, and past that a 429 `rate_limit_error` with Retry-After
 * at once, so a flood is refused instead of piling up in memory. A caller that aborts while queued leaves the queue.
 * @example wrapProvider(base, [createConcurrencyMiddleware('openai', { maxConcurrent: 64, maxQueued: 256, retryAfterSeconds: 1 })])
 */
export function createConcurrencyMiddleware(providerId: string, settings: ConcurrencyLimitSettings): ConcurrencyMiddleware {
  const semaphore: Semaphore = createSemaphore({
    limit: settings.maxConcurrent,
    maxQueued: settings.maxQueued,
    createFullError: () =>
      new ProxyError(`Too many requests for provider '${providerId}' at once; retry after ${settings.retryAfterSeconds} s.`, {
        status: 429,
        type: 'rate_limit_error',
        code: 'upstream_concurrency_limit',
        isRetryable: true,
        retryAfter: String(settings.retryAfterSeconds),
      }),
  })
  return {
    name: 'concurrency',
    get load() {
      return { running: semaphore.running, queued: semaphore.queued }
    },
    async wrapGenerate({ doGenerate, call }) {
      const release = await semaphore.acquire(call.options.signal)
      try {
        return await doGenerate()
      } finally {
        release()
      }
    },
    async *wrapStream({ doStream, call }): AsyncGenerator<StreamEvent> {
      let release: () => void
      try {
        release = await semaphore.acquire(call.options.signal)
      } catch (error) {
        const failure =
          error instanceof ProxyError
            ? error
            : new ProxyError('The request was cancelled.', {
                status: 499,
                type: 'server_error',
                code: 'request_cancelled',
                cause: isAbortError(error) ? error : undefined,
              })
        yield { type: 'error', error: failure }
        return
      }
      try {
        yield* doStream()
      } finally {
        release()
      }
    },
  }
}
