import { setTimeout as sleep } from 'node:timers/promises'
import { ProxyError } from '../core/proxy-error.js'
import { createCancelledError, createShutdownError, type BackgroundJob, type BackgroundRuns, type RunBackgroundResponse } from './background-runs.js'

export interface MemoryRunsOptions {
  drainMs: number
  /** Runs that execute at once; the others wait in line (their response stays `queued`). */
  concurrency: number
  /** Runs that may wait; one more is refused with a 429. */
  maxQueued: number
}

/**
 * Background runs in this process: at most `concurrency` at once, the rest in line (FIFO), each running without
 * its client.
 * @example const runs = createMemoryBackgroundRuns(run, { drainMs: 10_000, concurrency: 16, maxQueued: 1024 })
 */
export function createMemoryBackgroundRuns(run: RunBackgroundResponse, options: MemoryRunsOptions): BackgroundRuns {
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  const waiting: BackgroundJob[] = []
  let closing = false
  const startNext = (): void => {
    while (!closing && running.size < options.concurrency && waiting.length > 0) start(waiting.shift() as BackgroundJob)
  }
  const start = (job: BackgroundJob): void => {
    const controller = new AbortController()
    const done = run(job, controller.signal)
      .catch((error: unknown) => console.error('[optiproxy] background run failed', error))
      .finally(() => {
        running.delete(job.id)
        startNext()
      })
    running.set(job.id, { controller, done })
  }
  return {
    async enqueue(job) {
      if (closing) throw createShutdownError()
      if (running.size >= options.concurrency && waiting.length >= options.maxQueued) {
        throw new ProxyError(`Too many background responses at once (${options.concurrency} running, ${options.maxQueued} waiting); retry later.`, {
          status: 429,
          type: 'rate_limit_error',
          code: 'too_many_background_runs',
          isRetryable: true,
          retryAfter: '1',
        })
      }
      waiting.push(job)
      startNext()
    },
    async cancel(id) {
      running.get(id)?.controller.abort(createCancelledError())
      // a waiting run is simply dropped: its response was ended (cancelled or deleted) by the caller
      const position = waiting.findIndex((job) => job.id === id)
      if (position !== -1) waiting.splice(position, 1)
    },
    async close() {
      closing = true
      // runs still waiting start already stopped: their responses end failed (instance_shutdown), never stay queued
      for (const job of waiting.splice(0)) {
        start(job)
        running.get(job.id)?.controller.abort(createShutdownError())
      }
      const all = Promise.all([...running.values()].map((entry) => entry.done))
      await Promise.race([all, sleep(options.drainMs, undefined, { ref: false })])
      for (const entry of running.values()) entry.controller.abort(createShutdownError())
      await all
    },
  }
}
