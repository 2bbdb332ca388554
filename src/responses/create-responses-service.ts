import type { Config } from '../config.js'
import type { AppOperations } from '../operations/app-operations.js'
import { loadIoredis } from '../load-redis-modules.js'
import type { PipelineDependencies } from '../approach-runtime/run-approach.js'
import { createRedisResponseStore } from '../storage/redis-response-store.js'
import { guardStoreErrors } from '../storage/guard-store-errors.js'
import { createRedisErrorReporter } from '../storage/report-redis-error.js'
import { timedOut, waitAtMost } from '../storage/wait-at-most.js'
import { createBullMqBackgroundRuns } from './bullmq-background-runs.js'
import { assembleService, createMemoryResponsesService, type ResponsesService } from './responses-service.js'
import { runBackgroundResponse } from './run-background-response.js'

/** How long any one Redis command of the response store may take before it fails (a 503 for the client). */
const redisCommandTimeoutMs = 2_000

/**
 * The Responses service the configuration asks for: Redis-backed when REDIS_URL is set, else in memory.
 * @example const service = createResponsesService(config, pipeline)
 */
export function createResponsesService(config: Config, pipeline: PipelineDependencies, operations?: AppOperations): ResponsesService {
  if (config.redisUrl === undefined) return createMemoryResponsesService(pipeline, config, operations)
  const { Redis } = loadIoredis()
  // every command has a deadline: with Redis down, a request gets a 503 within it instead of waiting on reconnects
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, commandTimeout: redisCommandTimeoutMs })
  const subscriber = redis.duplicate()
  redis.on('error', createRedisErrorReporter('response store Redis'))
  subscriber.on('error', createRedisErrorReporter('cancel subscriber Redis'))
  const store = guardStoreErrors(createRedisResponseStore(redis, { prefix: config.redisKeyPrefix, ttlMs: config.responseTtlSeconds * 1000 }))
  const runs = createBullMqBackgroundRuns(
    (job, signal) => runBackgroundResponse({ pipeline, store, ...(operations === undefined ? {} : { operations }) }, job, signal),
    store,
    { publisher: redis, subscriber },
    {
      redisUrl: config.redisUrl,
      prefix: config.redisKeyPrefix,
      leaseMs: config.runLeaseMs,
      concurrency: config.backgroundConcurrency,
      drainMs: config.runDrainMs,
    },
  )
  return assembleService(store, runs, async () => {
    subscriber.disconnect()
    // QUIT waits for Redis: bounded, then the connection is dropped
    if (
      (await waitAtMost(
        redis.quit().catch(() => undefined),
        1_000,
      )) === timedOut
    )
      redis.disconnect()
  })
}
