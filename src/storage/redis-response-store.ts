import type { Redis } from 'ioredis'
import { isTerminalEvent, type ResponseObject, type ResponsesStreamEvent } from '../openai/responses-object.js'
import type { ResponseStore, RunOutcome, StoredResponse } from './response-store.js'
import { createStreamFollowers, type StreamFollowers } from './redis-stream-followers.js'

/*
 * Redis key layout (every key starts with the configured prefix; one response's keys share a hash tag, so they
 * live on one Cluster slot and a script may touch them together):
 *   <prefix>{<id>}:response   STRING  the response object (JSON)
 *   <prefix>{<id>}:request    STRING  input items, earlier turns, and for background runs the request (JSON)
 *   <prefix>{<id>}:events     STREAM  the run's events; entry id 0-<sequence_number + 1>, field `e` = event JSON
 *   <prefix>{<id>}:ended      STRING  set once the run has ended: every later append or finish is refused
 * All four expire after the TTL, counted from the last write.
 */

/**
 * Appends events (and replaces the response object) unless the run has ended or the response is gone. Every write
 * refreshes the TTL of all the response's keys: a run that outlives the TTL never loses its object mid-stream.
 */
const appendScript = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('XADD', KEYS[2], ARGV[i], 'e', ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`

/** Ends the run once: refused when ended (0), retried by the caller when the log moved meanwhile (-1). */
const finishScript = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local lastId = ''
if #last > 0 then lastId = last[1][1] end
if lastId ~= ARGV[2] then return -1 end
for i = 4, #ARGV, 2 do redis.call('XADD', KEYS[2], ARGV[i], 'e', ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[1])
return 1
`

const entryId = (event: ResponsesStreamEvent): string => `0-${event.sequence_number + 1}`

type RequestPart = Omit<StoredResponse, 'response'>

/**
 * The store for several instances. Events go to a Redis Stream, not Pub/Sub: a stream keeps what was said, so a
 * client that reconnects (to any instance) replays from its last sequence number and then follows live with
 * XREAD BLOCK; Pub/Sub would have dropped everything sent while nobody listened.
 * @example const store = createRedisResponseStore(new Redis(url), { prefix: 'optiproxy:', ttlMs: 86_400_000 })
 */
export function createRedisResponseStore(redis: Redis, options: { prefix: string; ttlMs: number; blockMs?: number }): ResponseStore {
  const keys = (id: string) => {
    const base = `${options.prefix}{${id}}`
    return { response: `${base}:response`, request: `${base}:request`, events: `${base}:events`, ended: `${base}:ended` }
  }
  const ttl = String(options.ttlMs)
  let followers: StreamFollowers | undefined
  let storeClosed = false
  const eventArguments = (events: ResponsesStreamEvent[]): string[] => events.flatMap((event) => [entryId(event), JSON.stringify(event)])

  return {
    async save(record) {
      const k = keys(record.response.id)
      const { response, ...request } = record
      await redis.multi().set(k.response, JSON.stringify(response), 'PX', options.ttlMs).set(k.request, JSON.stringify(request), 'PX', options.ttlMs).exec()
    },
    async get(id) {
      const k = keys(id)
      const [response, request] = await redis.mget(k.response, k.request)
      if (response == null || request == null) return undefined
      return { response: JSON.parse(response) as ResponseObject, ...(JSON.parse(request) as RequestPart) }
    },
    async delete(id) {
      const k = keys(id)
      return (await redis.del(k.response, k.request, k.events, k.ended)) > 0
    },
    async appendEvents(id, events, response) {
      const k = keys(id)
      const result = await redis.eval(
        appendScript,
        4,
        k.response,
        k.events,
        k.ended,
        k.request,
        ttl,
        response === undefined ? '' : JSON.stringify(response),
        ...eventArguments(events),
      )
      return result === 1
    },
    async finish(id, decide): Promise<RunOutcome | undefined> {
      const k = keys(id)
      for (let attempt = 0; attempt < 20; attempt++) {
        const record = await this.get(id)
        if (record === undefined || (await redis.exists(k.ended)) === 1) return undefined
        const last = await redis.xrevrange(k.events, '+', '-', 'COUNT', 1)
        const lastId = last[0]?.[0] ?? ''
        const nextSequenceNumber = lastId === '' ? 0 : Number(lastId.split('-')[1])
        const outcome = decide(record, nextSequenceNumber)
        if (outcome === undefined) return undefined
        const result = await redis.eval(
          finishScript,
          4,
          k.response,
          k.events,
          k.ended,
          k.request,
          ttl,
          lastId,
          JSON.stringify(outcome.response),
          ...eventArguments(outcome.events),
        )
        if (result === 1) return outcome
        if (result === 0) return undefined
      }
      throw new Error(`could not end response ${id}: its event log kept moving`)
    },
    async *readEvents(id, startingAfter, signal) {
      const k = keys(id)
      // every follower of every response shares one blocking connection
      if (storeClosed) return
      const shared = (followers ??= createStreamFollowers(redis, { blockMs: options.blockMs ?? 5_000 }))
      let lastId = `0-${startingAfter + 1}`
      while (!signal.aborted && !storeClosed) {
        const entries = await shared.read(k.events, lastId, signal)
        if (entries.length === 0) {
          if (signal.aborted || storeClosed) return
          // nothing new: stop when the response is gone or its run has ended (everything after it was read)
          if ((await redis.exists(k.response)) === 0 || (await redis.exists(k.ended)) === 1) {
            // one last look: the run may have ended between the read and the check
            const last = await redis.xrange(k.events, `(${lastId}`, '+', 'COUNT', 500)
            for (const [entry, fields] of last) {
              lastId = entry
              const event = JSON.parse(fields[1] ?? 'null') as ResponsesStreamEvent
              yield event
              if (isTerminalEvent(event)) return
            }
            return
          }
          continue
        }
        for (const [entry, fields] of entries) {
          lastId = entry
          const event = JSON.parse(fields[1] ?? 'null') as ResponsesStreamEvent
          yield event
          if (isTerminalEvent(event)) return
        }
      }
    },
    async close() {
      storeClosed = true
      followers?.close()
      followers = undefined
    },
  }
}
