import type { PipelineDependencies } from '../run-approach.js'
import { createMemoryResponseStore } from '../storage/memory-response-store.js'
import type { ResponseStore } from '../storage/response-store.js'
import type { BackgroundRuns } from './background-runs.js'
import { createMemoryBackgroundRuns } from './memory-background-runs.js'
import { runBackgroundResponse } from './run-background-response.js'

/** The Responses API's state: the store, the background runs, and the signal that ends followers at shutdown. */
export interface ResponsesService {
  store: ResponseStore
  runs: BackgroundRuns
  /** Aborts when the instance stops: streams that follow a run end with an `error` event. */
  shutdownSignal: AbortSignal
  /** Ends followers, drains (then fails) this instance's runs, closes connections. */
  close(): Promise<void>
}

export interface ResponsesSettings {
  responseStoreMax: number
  responseTtlSeconds: number
  runDrainMs: number
}

/**
 * The one-instance service: responses in memory (LRU + TTL), background runs in this process.
 * @example const service = createMemoryResponsesService(pipeline, config)
 */
export function createMemoryResponsesService(pipeline: PipelineDependencies, settings: ResponsesSettings): ResponsesService {
  const store = createMemoryResponseStore({ maxEntries: settings.responseStoreMax, ttlMs: settings.responseTtlSeconds * 1000 })
  const runs = createMemoryBackgroundRuns((job, signal) => runBackgroundResponse({ pipeline, store }, job, signal), { drainMs: settings.runDrainMs })
  return assembleService(store, runs)
}

/** Puts a store and its runs together with the shutdown signal. */
export function assembleService(store: ResponseStore, runs: BackgroundRuns, closeExtra: () => Promise<void> = async () => undefined): ResponsesService {
  const shutdown = new AbortController()
  let closed: Promise<void> | undefined
  return {
    store,
    runs,
    shutdownSignal: shutdown.signal,
    close() {
      closed ??= (async () => {
        shutdown.abort()
        await runs.close()
        await store.close()
        await closeExtra()
      })()
      return closed
    },
  }
}
