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
      byType.set(
        problemType,
        (byType.get(problemType) ?? []).map((strategy) => (ids.includes(strategy.id) ? { ...strategy, uses: strategy.uses + 1 } : strategy)),
      )
    },
    async listAll() {
      return Object.fromEntries([...byType].map(([type, strategies]) => [type, strategies.slice().sort(rank)]))
    },
  }
}

/**
 * Counts one use of each id still stored, in one atomic step: HINCRBY on the use counters, so that instances
 * counting at once lose nothing, and only for ids the strategies hash still holds (one dropped meanwhile gets no
 * orphan counter). KEYS: the strategies hash, the counters hash; ARGV: the ids.
 */
const recordUseScript = `for _, id in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], id) == 1 then redis.call('HINCRBY', KEYS[2], id, 1) end
end
return 0`

/** A Redis client the store can close at shutdown. */
export interface ClosableStrategyStore extends StrategyStore {
  close(): Promise<void>
}

/**
 * Strategies in Redis, shared by every instance with the same prefix: a hash per problem type (`<prefix>spl:type:<t>`,
 * field id, value the JSON strategy), its use counters (`<prefix>spl:uses:<t>`, field id, incremented atomically
 * and added to the JSON's `uses`) and a set of the types (`<prefix>spl:types`). `close` ends the connection.
 * @example const store = createRedisStrategyStore(redis, 'optiproxy:')
 */
export function createRedisStrategyStore(redis: Redis, prefix: string, limits: StrategyStoreLimits = defaultStrategyStoreLimits): ClosableStrategyStore {
  const typesKey = `${prefix}spl:types`
  const typeKey = (problemType: string): string => `${prefix}spl:type:${problemType}`
  const usesKey = (problemType: string): string => `${prefix}spl:uses:${problemType}`
  const read = async (problemType: string): Promise<Strategy[]> => {
    const [strategies, uses] = await Promise.all([redis.hgetall(typeKey(problemType)), redis.hgetall(usesKey(problemType))])
    return Object.entries(strategies)
      .map(([id, value]) => {
        const strategy = JSON.parse(value) as Strategy
        return { ...strategy, uses: strategy.uses + Number(uses[id] ?? 0) }
      })
      .sort(rank)
  }
  return {
    async list(problemType, limit) {
      return (await read(problemType)).slice(0, limit)
    },
    async add(problemType, text) {
      const strategy = createStrategy(problemType, text, limits)
      if ((await redis.sismember(typesKey, problemType)) === 0 && (await redis.scard(typesKey)) >= limits.maxTypes)
        throw new Error('the strategy store holds its maximum of problem types')
      await redis.multi().sadd(typesKey, problemType).hset(typeKey(problemType), strategy.id, JSON.stringify(strategy)).exec()
      const all = await read(problemType)
      const dropped = all.slice(limits.maxPerType).map((entry) => entry.id)
      if (dropped.length > 0)
        await redis
          .multi()
          .hdel(typeKey(problemType), ...dropped)
          .hdel(usesKey(problemType), ...dropped)
          .exec()
      return strategy
    },
    async recordUse(problemType, ids) {
      const unique = [...new Set(ids)].slice(0, limits.maxPerType)
      if (unique.length > 0) await redis.eval(recordUseScript, 2, typeKey(problemType), usesKey(problemType), ...unique)
    },
    async listAll() {
      const types = (await redis.smembers(typesKey)).sort()
      return Object.fromEntries(await Promise.all(types.map(async (type) => [type, await read(type)] as const)))
    },
    async close() {
      // never connected (lazyConnect, spl never used with Redis): nothing to say goodbye to
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect()
        return
      }
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
