import { setTimeout as sleep } from 'node:timers/promises'
import { createCancelledError, createShutdownError, type BackgroundRuns, type RunBackgroundResponse } from './background-runs.js'

/**
 * Background runs in this process: each starts at once and runs without its client.
 * @example const runs = createMemoryBackgroundRuns(run, { drainMs: 10_000 })
 */
export function createMemoryBackgroundRuns(run: RunBackgroundResponse, options: { drainMs: number }): BackgroundRuns {
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  let closing = false
  return {
    async enqueue(job) {
      if (closing) throw createShutdownError()
      const controller = new AbortController()
      const done = run(job, controller.signal)
        .catch((error: unknown) => console.error('[optiproxy] background run failed', error))
        .finally(() => running.delete(job.id))
      running.set(job.id, { controller, done })
    },
    async cancel(id) {
      running.get(id)?.controller.abort(createCancelledError())
    },
    async close() {
      closing = true
      const all = Promise.all([...running.values()].map((entry) => entry.done))
      await Promise.race([all, sleep(options.drainMs, undefined, { ref: false })])
      for (const entry of running.values()) entry.controller.abort(createShutdownError())
      await all
    },
  }
}
