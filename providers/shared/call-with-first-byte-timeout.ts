import { ProxyError } from '../../src/core/proxy-error.js'

/**
 * Runs one upstream call with a deadline for its answer to start: past `timeoutMs` the call is aborted and
 * fails with a retryable 504. The signal `call` gets stays tied to the caller's signal for the whole answer
 * (a client that leaves mid-stream still closes the connection); only the deadline ends when `call` resolves.
 * For SDKs whose own timeout would also cut a long stream, or would look like a cancellation.
 * @example const stream = await callWithFirstByteTimeout(600_000, signal, (inner) => sdk.stream({ abortSignal: inner }))
 */
export async function callWithFirstByteTimeout<T>(timeoutMs: number, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), timeoutMs)
  try {
    return await call(AbortSignal.any([signal, deadline.signal]))
  } catch (error) {
    if (deadline.signal.aborted && !signal.aborted) {
      throw new ProxyError(`The upstream did not start answering within ${timeoutMs} ms.`, {
        status: 504,
        type: 'timeout_error',
        code: 'upstream_timeout',
        isRetryable: true,
        cause: error,
      })
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
}
