import { setTimeout as sleep } from 'node:timers/promises'
import type { PipelineDependencies } from '../approach-runtime/run-approach.js'
import type { AppOperations } from '../operations/app-operations.js'
import { createMemoryResponseStore } from '../storage/memory-response-store.js'
import type { ResponseStore } from '../storage/response-store.js'
import type { BackgroundRuns } from './background-runs.js'
import { createMemoryBackgroundRuns } from './memory-background-runs.js'
import { runBackgroundResponse } from './run-background-response.js'

/** The Responses API's state: the store, the background runs, and the signal that ends followers at shutdown. */
export interface ResponsesService {
  store: ResponseStore
  runs: BackgroundRuns
  /** Aborts when the instance stops (after its own runs have ended): streams still following a run end with an `error` event. */
  shutdownSignal: AbortSignal
  /** Registers a stream that follows a run; shutdown waits (briefly) for it to write its last event. */
  trackFollower(ended: Promise<void>): void
  /**
   * Graceful shutdown: this instance's runs finish within the drain time or end failed (their followers see
   * `response.failed`), then streams still following other instances' runs end with an `error` event.
   */
  close(): Promise<void>
}

export interface ResponsesSettings {
  responseStoreMax: number
  responseStoreMaxBytes: number
  responseTtlSeconds: number
  runDrainMs: number
  /** Background runs that execute at once; more wait in line (at most 64 per slot; past that a 429). */
  backgroundConcurrency: number
}

/**
 * The one-instance service: responses in memory (LRU + TTL), background runs in this process.
 * @example const service = createMemoryResponsesService(pipeline, config)
 */
export function createMemoryResponsesService(pipeline: PipelineDependencies, settings: ResponsesSettings, operations?: AppOperations): ResponsesService {
  const store = createMemoryResponseStore({
    maxEntries: settings.responseStoreMax,
    maxBytes: settings.responseStoreMaxBytes,
    ttlMs: settings.responseTtlSeconds * 1000,
  })
  const runs = createMemoryBackgroundRuns(
    (job, signal) => runBackgroundResponse({ pipeline, store, ...(operations === undefined ? {} : { operations }) }, job, signal),
    {
      drainMs: settings.runDrainMs,
      concurrency: settings.backgroundConcurrency,
      maxQueued: settings.backgroundConcurrency * 64,
    },
  )
  return assembleService(store, runs)
}

/** How long shutdown waits for followed streams to write their closing `error` event. */
const followerGraceMs = 2_000

/**
 * Puts a store and its runs together with the shutdown signal.
 * @example const service = assembleService(store, runs, () => redis.quit().then(() => undefined))
 */
export function assembleService(store: ResponseStore, runs: BackgroundRuns, closeExtra: () => Promise<void> = async () => undefined): ResponsesService {
  const shutdown = new AbortController()
  const followers = new Set<Promise<void>>()
  let closed: Promise<void> | undefined
  return {
    store,
    runs,
    shutdownSignal: shutdown.signal,
    trackFollower(ended) {
      followers.add(ended)
      void ended.finally(() => followers.delete(ended))
    },
    close() {
      closed ??= (async () => {
        await runs.close()
        shutdown.abort()
        await Promise.race([Promise.all(followers), sleep(followerGraceMs, undefined, { ref: false })])
        await store.close()
        await closeExtra()
      })()
      return closed
    },
  }
}
