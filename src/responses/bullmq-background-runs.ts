import { setTimeout as sleep } from 'node:timers/promises'
import type { ConnectionOptions } from 'bullmq'
import { loadBullMq } from '../load-redis-modules.js'
import { timedOut, waitAtMost } from '../storage/wait-at-most.js'
import { createRedisErrorReporter } from '../storage/report-redis-error.js'
import type { Redis } from 'ioredis'
import { ProxyError } from '../core/proxy-error.js'
import { convertErrorToResponses } from '../openai/responses-object.js'
import type { ResponseStore } from '../storage/response-store.js'
import { createCancelledError, createShutdownError, type BackgroundJob, type BackgroundRuns, type RunBackgroundResponse } from './background-runs.js'

/** How long each step of closing waits for Redis before it goes on without it. */
const closeWaitMs = 1_000

export interface BullMqRunsOptions {
  redisUrl: string
  prefix: string
  /** The lease: a run whose instance stops renewing it for this long is declared dead and ends failed. */
  leaseMs: number
  concurrency: number
  drainMs: number
}

/**
 * Background runs on a BullMQ queue in Redis: any instance's worker takes a run. A worker holds each run's lock
 * (the lease, renewed while it runs); when an instance dies, another instance's stalled-job check finds the
 * expired lock and fails the job (maxStalledCount 0: never run twice, since the run's events were already
 * streamed), and every instance's QueueEvents listener then ends the response as failed in the store.
 * Cancels go out on a Pub/Sub channel that every instance listens to, and the instance running the run aborts
 * it at once; the store's end-of-run fence stops it anyway at its next event if that message is ever missed.
 * @example const runs = createBullMqBackgroundRuns(run, store, subscriber, publisher, options)
 */
export function createBullMqBackgroundRuns(
  run: RunBackgroundResponse,
  store: ResponseStore,
  redis: { publisher: Redis; subscriber: Redis },
  options: BullMqRunsOptions,
): BackgroundRuns {
  const connection: ConnectionOptions = { url: options.redisUrl, maxRetriesPerRequest: null }
  const queueName = 'runs'
  const bullPrefix = `${options.prefix}bull`
  const cancelChannel = `${options.prefix}cancel`
  const running = new Map<string, AbortController>()
  let closing = false

  const { Queue, QueueEvents, Worker } = loadBullMq()
  const queue = new Queue<BackgroundJob>(queueName, { connection, prefix: bullPrefix })
  const worker = new Worker<BackgroundJob>(
    queueName,
    async (job) => {
      const controller = new AbortController()
      running.set(job.data.id, controller)
      try {
        await run(job.data, controller.signal)
      } finally {
        running.delete(job.data.id)
      }
    },
    {
      connection,
      prefix: bullPrefix,
      concurrency: options.concurrency,
      lockDuration: options.leaseMs,
      stalledInterval: Math.max(250, Math.floor(options.leaseMs / 2)),
      maxStalledCount: 0,
      // finished jobs go at once: a job's data may hold a client's key (bring-your-own-key)
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    },
  )
  // every Redis client reports its failures here: an 'error' nobody listens to would end the process
  const reporters = new Map<string, (error: Error) => void>()
  const report = (source: string) => (error: Error) => {
    if (!reporters.has(source)) reporters.set(source, createRedisErrorReporter(`background ${source}`))
    reporters.get(source)?.(error)
  }
  worker.on('error', report('worker'))
  queue.on('error', report('queue'))
  const events = new QueueEvents(queueName, { connection, prefix: bullPrefix })
  events.on('error', report('queue events'))
  events.on('failed', ({ jobId, failedReason }) => {
    // a dead instance's run (its lease expired): end the response as failed, once, whichever instance sees it first
    const error = new ProxyError(`The instance running this response stopped: ${failedReason}`, { status: 503, type: 'server_error', code: 'run_lost' })
    void store
      .finish(jobId, (record, nextSequenceNumber) => {
        const response = { ...record.response, status: 'failed' as const, error: convertErrorToResponses(error), completed_at: Math.floor(Date.now() / 1000) }
        return { response, events: [{ type: 'response.failed', response, sequence_number: nextSequenceNumber }] }
      })
      .catch((failure: unknown) => console.error('[optiproxy] could not end a lost run', failure))
  })

  redis.subscriber.on('message', (channel: string, id: string) => {
    if (channel === cancelChannel) running.get(id)?.abort(createCancelledError())
  })
  // subscribed before the first run is taken; a Redis that is down now is retried at the next enqueue, and its
  // failure is an error for that request, never an unhandled rejection that ends the process
  let subscribed: Promise<unknown> | undefined
  const subscribe = (): Promise<unknown> =>
    (subscribed ??= redis.subscriber.subscribe(cancelChannel).catch((error: unknown) => {
      subscribed = undefined
      throw error
    }))
  void subscribe().catch((error: unknown) =>
    console.error(`[optiproxy] background runs: could not subscribe to cancels: ${error instanceof Error ? error.message : String(error)}`),
  )

  return {
    async enqueue(job) {
      if (closing) throw createShutdownError()
      await subscribe()
      await queue.add('run', job, { jobId: job.id, attempts: 1 })
    },
    async cancel(id) {
      running.get(id)?.abort(createCancelledError())
      await redis.publisher.publish(cancelChannel, id)
    },
    async close() {
      closing = true
      // stop taking runs; let the running ones finish for up to the drain time, then end them failed
      // every wait is bounded: with Redis down, BullMQ's closes never resolve, and shutdown must still end
      const drained = worker.close().catch(report('worker'))
      await Promise.race([drained, sleep(options.drainMs, undefined, { ref: false })])
      for (const controller of running.values()) controller.abort(createShutdownError())
      if ((await waitAtMost(drained, closeWaitMs)) === timedOut) {
        console.error('[optiproxy] background runs: the worker did not close (Redis unreachable?); closing it by force')
        await waitAtMost(worker.close(true).catch(report('worker')), closeWaitMs)
      }
      await waitAtMost(Promise.all([events.close().catch(report('queue events')), queue.close().catch(report('queue'))]), closeWaitMs)
    },
  }
}
