import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Strategy, StrategyStore } from '../core/services/strategy-store.js'

/** Caps: strategies per problem type, problem types, characters per strategy. */
export interface StrategyStoreLimits {
  maxPerType: number
  maxTypes: number
  maxChars: number
}

export const defaultStrategyStoreLimits: StrategyStoreLimits = { maxPerType: 10, maxTypes: 32, maxChars: 1_000 }

const rank = (left: Strategy, right: Strategy): number => right.uses - left.uses || right.createdAt - left.createdAt

function createStrategy(problemType: string, text: string, limits: StrategyStoreLimits): Strategy {
  // sub-millisecond, so that the newer of two strategies added in the same millisecond ranks first
  return { id: randomUUID(), problemType, text: text.slice(0, limits.maxChars), uses: 0, createdAt: performance.timeOrigin + performance.now() }
}

/**
 * Strategies in this process's memory: one instance, gone at restart.
 * @example const store = createMemoryStrategyStore()
 */
export function createMemoryStrategyStore(limits: StrategyStoreLimits = defaultStrategyStoreLimits): StrategyStore {
  const byType = new Map<string, Strategy[]>()
  return {
    async list(problemType, limit) {
      return (byType.get(problemType) ?? []).slice().sort(rank).slice(0, limit)
    },
    async add(problemType, text) {
      const strategy = createStrategy(problemType, text, limits)
      if (!byType.has(problemType) && byType.size >= limits.maxTypes) throw new Error('the strategy store holds its maximum of problem types')
      const kept = [...(byType.get(problemType) ?? []), strategy].sort(rank).slice(0, limits.maxPerType)
      byType.set(problemType, kept)
      return strategy
    },
    async recordUse(problemType, ids) {
      byType.set(problemType, (byType.get(problemType) ?? []).map((strategy) => (ids.includes(strategy.id) ? { ...strategy, uses: strategy.uses + 1 } : strategy)))
    },
    async listAll() {
      return Object.fromEntries([...byType].map(([type, strategies]) => [type, strategies.slice().sort(rank)]))
    },
  }
}

/**
 * Strategies in Redis, shared by every instance with the same prefix: a hash per problem type (`<prefix>spl:type:<t>`,
 * field id, value the JSON strategy) and a set of the types (`<prefix>spl:types`).
 * @example const store = createRedisStrategyStore(redis, 'optiproxy:')
 */
export function createRedisStrategyStore(redis: Redis, prefix: string, limits: StrategyStoreLimits = defaultStrategyStoreLimits): StrategyStore {
  const typesKey = `${prefix}spl:types`
  const typeKey = (problemType: string): string => `${prefix}spl:type:${problemType}`
  const read = async (problemType: string): Promise<Strategy[]> =>
    Object.values(await redis.hgetall(typeKey(problemType)))
      .map((value) => JSON.parse(value) as Strategy)
      .sort(rank)
  return {
    async list(problemType, limit) {
      return (await read(problemType)).slice(0, limit)
    },
    async add(problemType, text) {
      const strategy = createStrategy(problemType, text, limits)
      if ((await redis.sismember(typesKey, problemType)) === 0 && (await redis.scard(typesKey)) >= limits.maxTypes) throw new Error('the strategy store holds its maximum of problem types')
      await redis.multi().sadd(typesKey, problemType).hset(typeKey(problemType), strategy.id, JSON.stringify(strategy)).exec()
      const all = await read(problemType)
      const dropped = all.slice(limits.maxPerType).map((entry) => entry.id)
      if (dropped.length > 0) await redis.hdel(typeKey(problemType), ...dropped)
      return strategy
    },
    async recordUse(problemType, ids) {
      for (const strategy of await read(problemType)) {
        if (ids.includes(strategy.id)) await redis.hset(typeKey(problemType), strategy.id, JSON.stringify({ ...strategy, uses: strategy.uses + 1 }))
      }
    },
    async listAll() {
      const types = (await redis.smembers(typesKey)).sort()
      return Object.fromEntries(await Promise.all(types.map(async (type) => [type, await read(type)] as const)))
    },
  }
}
