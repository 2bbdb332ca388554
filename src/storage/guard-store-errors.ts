import { ProxyError } from '../core/proxy-error.js'
import type { ResponseStore } from './response-store.js'

/**
 * The error a client gets when the response store (Redis) fails: a retryable 503, never a bare 500.
 * @example throw createStoreUnavailableError(error)
 */
export function createStoreUnavailableError(cause: unknown): ProxyError {
  return new ProxyError('The response store is unavailable; retry shortly.', {
    status: 503,
    type: 'server_error',
    code: 'store_unavailable',
    isRetryable: true,
    cause,
  })
}

const wrap =
  <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await call(...args)
    } catch (error) {
      throw error instanceof ProxyError ? error : createStoreUnavailableError(error)
    }
  }

/**
 * A store whose failures (Redis down, a timeout) are 503 `store_unavailable` ProxyErrors with the cause kept for
 * the log, so every route answers an outage with the same clear, retryable error.
 * @example const store = guardStoreErrors(createRedisResponseStore(redis, options))
 */
export function guardStoreErrors(store: ResponseStore): ResponseStore {
  return {
    save: wrap((record) => store.save(record)),
    get: wrap((id) => store.get(id)),
    delete: wrap((id) => store.delete(id)),
    appendEvents: wrap((id, events, response) => store.appendEvents(id, events, response)),
    finish: wrap((id, decide) => store.finish(id, decide)),
    async *readEvents(id, startingAfter, signal) {
      try {
        yield* store.readEvents(id, startingAfter, signal)
      } catch (error) {
        throw error instanceof ProxyError ? error : createStoreUnavailableError(error)
      }
    },
    close: () => store.close(),
  }
}
