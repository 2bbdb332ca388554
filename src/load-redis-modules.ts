import { createRequire } from 'node:module'

// ioredis and BullMQ are loaded on first use: together they cost about 23 MiB of RSS, which an instance without
// REDIS_URL should not pay. Both packages ship CommonJS, so a synchronous require keeps the factories that need
// them synchronous; their types still come from `import type` where they are used.
const require = createRequire(import.meta.url)

/**
 * ioredis, loaded on the first call.
 * @example const { Redis } = loadIoredis(); const redis = new Redis(url)
 */
export function loadIoredis(): typeof import('ioredis') {
  return require('ioredis') as typeof import('ioredis')
}

/**
 * BullMQ, loaded on the first call.
 * @example const { Queue } = loadBullMq()
 */
export function loadBullMq(): typeof import('bullmq') {
  return require('bullmq') as typeof import('bullmq')
}
