import type { ModelResult } from '../../src/core/model-result.js'
import { toProxyError, type ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ModelInfo } from '../../src/core/provider.js'
import type { ProviderMiddleware } from './provider-middleware.js'
import { maxRetryAfterSeconds, waitBeforeRetry } from './wait-before-retry.js'

export interface RetrySettings {
  /** Retries after the first attempt; 0 sends every call once. */
  maxRetries: number
}

/** The wait the failure asked for: the exact one when the provider kept it, else the Retry-After passed on. */
function readRetryAfter(failure: ProxyError): number | undefined {
  if (failure.retryAfterSeconds !== undefined) return failure.retryAfterSeconds
  const seconds = failure.retryAfter === undefined ? Number.NaN : Number(failure.retryAfter)
  return Number.isFinite(seconds) ? seconds : undefined
}

/**
 * The retry middleware: repeats a call that failed in a way worth repeating (408/409/429/5xx and connection failures,
 * `isRetryable`) up to `maxRetries` times, waiting the upstream's Retry-After when it sent one (one beyond 60 s is not
 * waited out: the error goes to the client with it), else exponential backoff with jitter. Only a failure before any
 * of the answer is used is repeated: a whole answer's, or a stream's before its first event (an `error` first event);
 * once a stream has yielded, its failures pass through. The wait ends at once when the call's signal aborts. Each
 * retry is announced to `options.attempts.retrying` before its wait, so the request trace has one span per attempt.
 * Providers make exactly one attempt per call; this entry is the one retry layer (the vendor SDKs' own are off).
 * @example wrapProvider(base, [instrumentation, concurrency, timeouts, createRetryMiddleware({ maxRetries: 2 }), defaults])
 */
export function createRetryMiddleware(settings: RetrySettings): ProviderMiddleware {
  const { maxRetries } = settings
  /** Whether retry number `count + 1` may follow this failure. */
  const mayRetry = (failure: ProxyError, count: number, signal: AbortSignal): boolean => {
    const retryAfterSeconds = readRetryAfter(failure)
    const waitsTooLong = retryAfterSeconds !== undefined && retryAfterSeconds > maxRetryAfterSeconds
    return failure.isRetryable && !waitsTooLong && count < maxRetries && !signal.aborted
  }

  async function wrapGenerate({ doGenerate, call }: Parameters<NonNullable<ProviderMiddleware['wrapGenerate']>>[0]): Promise<ModelResult> {
    const { signal } = call.options
    for (let count = 0; ; count++) {
      try {
        return await doGenerate()
      } catch (error) {
        const failure = toProxyError(error)
        if (!mayRetry(failure, count, signal)) throw error
        call.options.attempts?.retrying?.(failure, count + 1)
        try {
          await waitBeforeRetry(count, readRetryAfter(failure), signal)
        } catch (reason) {
          throw toProxyError(reason)
        }
      }
    }
  }

  async function* wrapStream({ doStream, call }: Parameters<NonNullable<ProviderMiddleware['wrapStream']>>[0]): AsyncGenerator<StreamEvent> {
    const { signal } = call.options
    for (let count = 0; ; count++) {
      let failure: ProxyError | undefined
      let started = false
      for await (const event of doStream()) {
        if (!started && event.type === 'error' && mayRetry(event.error, count, signal)) {
          // leaving the loop closes this attempt's stream before the next one opens
          failure = event.error
          break
        }
        started = true
        yield event
      }
      if (failure === undefined) return
      call.options.attempts?.retrying?.(failure, count + 1)
      try {
        await waitBeforeRetry(count, readRetryAfter(failure), signal)
      } catch (reason) {
        yield { type: 'error', error: toProxyError(reason) }
        return
      }
    }
  }

  async function wrapListModels({ doListModels, options }: Parameters<NonNullable<ProviderMiddleware['wrapListModels']>>[0]): Promise<ModelInfo[] | undefined> {
    for (let count = 0; ; count++) {
      try {
        return await doListModels()
      } catch (error) {
        const failure = toProxyError(error)
        if (!mayRetry(failure, count, options.signal)) throw error
        try {
          await waitBeforeRetry(count, readRetryAfter(failure), options.signal)
        } catch (reason) {
          throw toProxyError(reason)
        }
      }
    }
  }

  return { name: 'retry', wrapGenerate, wrapStream, wrapListModels }
}
