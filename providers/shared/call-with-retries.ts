import type { ProxyError } from '../../src/core/proxy-error.js'
import { maxRetryAfterSeconds, waitBeforeRetry } from './wait-before-retry.js'

export interface RetryFailure {
  error: ProxyError
  /** Seconds the upstream asked to wait (Retry-After or a vendor's retry delay). */
  retryAfterSeconds?: number
}

/**
 * Runs `attempt` until it succeeds or fails in a way that is not worth repeating. Only the part of a call
 * before the first byte reaches the client belongs in `attempt`: a stream that has started is never retried.
 * A Retry-After beyond 60 s is not waited out (the error goes to the client with it).
 * `onRetry` hears each retry before its wait (the request trace records one upstream call per attempt).
 * @example const stream = await callWithRetries(2, signal, () => client.messages.create(body), convertFailure, options.attempts?.retrying)
 */
export async function callWithRetries<T>(
  maxRetries: number,
  signal: AbortSignal,
  attempt: () => Promise<T>,
  convertFailure: (error: unknown) => RetryFailure,
  onRetry?: (failure: ProxyError, retry: number) => void,
): Promise<T> {
  for (let count = 0; ; count++) {
    try {
      return await attempt()
    } catch (error) {
      const failure = convertFailure(error)
      const waitsTooLong = failure.retryAfterSeconds !== undefined && failure.retryAfterSeconds > maxRetryAfterSeconds
      if (!failure.error.isRetryable || waitsTooLong || count >= maxRetries || signal.aborted) throw failure.error
      onRetry?.(failure.error, count + 1)
      await waitBeforeRetry(count, failure.retryAfterSeconds, signal)
    }
  }
}
