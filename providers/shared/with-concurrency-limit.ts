import type { ModelResult } from '../../src/core/model-result.js'
import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { Provider, ProviderCallOptions } from '../types.js'

export interface ConcurrencyLimitSettings {
  /** Upstream calls running at once; more wait in the queue. */
  maxConcurrent: number
  /** Calls that may wait; one more is refused with a 429. */
  maxQueued: number
  /** Retry-After (seconds) sent with that 429. */
  retryAfterSeconds: number
}

/** The provider with its limit, and how busy it is (for least-busy routing and /health). */
export interface LimitedProvider extends Provider {
  readonly load: { readonly running: number; readonly queued: number }
}

/**
 * Bounds the upstream calls of one provider: at most `maxConcurrent` at once (a stream holds its slot until it
 * ends), at most `maxQueued` waiting in arrival order, and past that a 429 `rate_limit_error` with Retry-After
 * at once, so a flood is refused instead of piling up in memory. A caller that aborts while queued leaves the queue.
 * @example const limited = withConcurrencyLimit(provider, { maxConcurrent: 64, maxQueued: 256, retryAfterSeconds: 1 })
 */
export function withConcurrencyLimit(provider: Provider, settings: ConcurrencyLimitSettings): LimitedProvider {
  let running = 0
  const waiting = new Set<() => void>()
  const queue: Array<() => void> = []

  const release = (): void => {
    running--
    for (;;) {
      const next = queue.shift()
      if (next === undefined) return
      if (!waiting.has(next)) continue
      waiting.delete(next)
      running++
      next()
      return
    }
  }

  /** Resolves with a release function once a slot is free; rejects with a 429 when the queue is full. */
  const acquire = (signal: AbortSignal): Promise<() => void> => {
    const releaseOnce = (): (() => void) => {
      let released = false
      return () => {
        if (released) return
        released = true
        release()
      }
    }
    if (running < settings.maxConcurrent) {
      running++
      return Promise.resolve(releaseOnce())
    }
    if (waiting.size >= settings.maxQueued) {
      return Promise.reject(
        new ProxyError(`Too many requests for provider '${provider.id}' at once; retry after ${settings.retryAfterSeconds} s.`, {
          status: 429,
          type: 'rate_limit_error',
          code: 'upstream_concurrency_limit',
          isRetryable: true,
          retryAfter: String(settings.retryAfterSeconds),
        }),
      )
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        waiting.delete(grant)
        reject(signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'))
      }
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve(releaseOnce())
      }
      if (signal.aborted) {
        onAbort()
        return
      }
      signal.addEventListener('abort', onAbort, { once: true })
      waiting.add(grant)
      queue.push(grant)
    })
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    const done = await acquire(options.signal)
    try {
      return await provider.generate(request, options)
    } finally {
      done()
    }
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    let done: () => void
    try {
      done = await acquire(options.signal)
    } catch (error) {
      const failure =
        error instanceof ProxyError
          ? error
          : new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled', cause: isAbortError(error) ? error : undefined })
      yield { type: 'error', error: failure }
      return
    }
    try {
      yield* provider.stream(request, options)
    } finally {
      done()
    }
  }

  return {
    id: provider.id,
    generate,
    stream,
    listModels: (options) => provider.listModels(options),
    get load() {
      return { running, queued: waiting.size }
    },
  }
}
