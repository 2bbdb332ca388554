import { LRUCache } from 'lru-cache'
import { isTerminalEvent, type ResponsesStreamEvent } from '../openai/responses-object.js'
import type { ResponseStore, RunOutcome, StoredResponse } from './response-store.js'

interface Entry {
  record: StoredResponse
  events: ResponsesStreamEvent[]
  ended: boolean
  /** Readers waiting for the next event. */
  waiters: Set<() => void>
}

/**
 * The embedded store for one instance: at most `maxEntries` responses (least recently used go first), each kept
 * `ttlMs` after it was last written. Records are copied in and out, so a caller's later changes never leak in.
 * @example const store = createMemoryResponseStore({ maxEntries: 10_000, ttlMs: 3_600_000 })
 */
export function createMemoryResponseStore(options: { maxEntries: number; ttlMs: number }): ResponseStore {
  const entries = new LRUCache<string, Entry>({
    max: options.maxEntries,
    ttl: options.ttlMs,
    // an evicted entry wakes its readers, which then end
    dispose: (entry) => wake(entry),
  })
  const wake = (entry: Entry): void => {
    const waiters = [...entry.waiters]
    entry.waiters.clear()
    for (const waiter of waiters) waiter()
  }
  return {
    async save(record) {
      const existing = entries.get(record.response.id)
      const copy = structuredClone(record)
      if (existing === undefined) entries.set(record.response.id, { record: copy, events: [], ended: false, waiters: new Set() })
      else existing.record = copy
    },
    async get(id) {
      const entry = entries.get(id)
      return entry === undefined ? undefined : structuredClone(entry.record)
    },
    async delete(id) {
      return entries.delete(id)
    },
    async appendEvents(id, events, response) {
      const entry = entries.get(id)
      if (entry === undefined || entry.ended) return false
      if (response !== undefined) entry.record = { ...entry.record, response: structuredClone(response) }
      entry.events.push(...structuredClone(events))
      wake(entry)
      return true
    },
    async finish(id, decide): Promise<RunOutcome | undefined> {
      const entry = entries.get(id)
      if (entry === undefined || entry.ended) return undefined
      const outcome = decide(structuredClone(entry.record), entry.events.length === 0 ? 0 : (entry.events.at(-1) as ResponsesStreamEvent).sequence_number + 1)
      if (outcome === undefined) return undefined
      entry.ended = true
      entry.record = { ...entry.record, response: structuredClone(outcome.response) }
      entry.events.push(...structuredClone(outcome.events))
      wake(entry)
      return outcome
    },
    async *readEvents(id, startingAfter, signal) {
      let entry = entries.get(id)
      if (entry === undefined) return
      let next = entry.events.findIndex((event) => event.sequence_number > startingAfter)
      if (next === -1) next = entry.events.length
      for (;;) {
        while (next < entry.events.length) {
          const event = entry.events[next++] as ResponsesStreamEvent
          yield event
          if (isTerminalEvent(event)) return
        }
        if (entry.ended || signal.aborted) return
        const current: Entry = entry
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done)
            current.waiters.delete(done)
            resolve()
          }
          current.waiters.add(done)
          signal.addEventListener('abort', done, { once: true })
        })
        // the entry may have been evicted or deleted meanwhile
        const still = entries.peek(id)
        if (still !== current) return
        entry = still
      }
    },
    async close() {
      for (const entry of entries.values()) wake(entry)
    },
  }
}
