import { LRUCache } from 'lru-cache'
import type { ResponseItem } from '../openai/responses-items.js'
import { isTerminalEvent, type ResponsesStreamEvent } from '../openai/responses-object.js'
import type { ResponseStore, RunOutcome, StoredResponse } from './response-store.js'

interface Entry {
  record: StoredResponse
  events: ResponsesStreamEvent[]
  /** Bytes of the events so far (their JSON). */
  eventBytes: number
  ended: boolean
  /** Readers waiting for the next event. */
  waiters: Set<() => void>
}

/** JSON size of each stored item, measured once: items are frozen and shared between the responses of a chain. */
const itemBytes = new WeakMap<object, number>()

function measureItem(item: ResponseItem): number {
  let bytes = itemBytes.get(item)
  if (bytes === undefined) {
    bytes = JSON.stringify(item).length
    itemBytes.set(item, bytes)
  }
  return bytes
}

/** Freezes a value and everything in it (stopping at what is frozen already: shared items are not walked again). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const child of Object.values(value)) deepFreeze(child)
  return value
}

/** Items as the store keeps them: each frozen, so later responses of the chain share it instead of copying it. */
function freezeItems(items: readonly ResponseItem[]): ResponseItem[] {
  return Object.freeze(items.map((item) => (Object.isFrozen(item) ? item : deepFreeze(structuredClone(item))))) as ResponseItem[]
}

function measureEntry(entry: Entry): number {
  const { record } = entry
  let bytes = JSON.stringify(record.response).length + entry.eventBytes + (record.body === undefined ? 0 : JSON.stringify(record.body).length)
  for (const item of record.inputItems) bytes += measureItem(item)
  // the history is counted in full: items shared with an evicted response stay in memory as long as a later one holds them
  for (const item of record.historyItems) bytes += measureItem(item)
  return Math.max(1, bytes)
}

/**
 * The embedded store for one instance, bounded by count (`maxEntries`) and by bytes (`maxBytes`, the JSON size of
 * each response with its input, history and events); the least recently used go first, and each is kept `ttlMs`
 * after it was last written. Input and history items are frozen and shared: a chain of responses (each with
 * `previous_response_id`) holds each item once, not once per later response. The response object is copied in
 * and out, so a caller's later changes never leak in.
 * @example const store = createMemoryResponseStore({ maxEntries: 10_000, maxBytes: 256 * 2 ** 20, ttlMs: 3_600_000 })
 */
export function createMemoryResponseStore(options: { maxEntries: number; maxBytes: number; ttlMs: number }): ResponseStore {
  const entries = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    sizeCalculation: measureEntry,
    ttl: options.ttlMs,
    // an evicted entry wakes its readers, which then end
    dispose: (entry) => wake(entry),
  })
  const wake = (entry: Entry): void => {
    const waiters = [...entry.waiters]
    entry.waiters.clear()
    for (const waiter of waiters) waiter()
  }
  const copyRecord = (record: StoredResponse): StoredResponse => ({
    ...record,
    response: structuredClone(record.response),
    inputItems: freezeItems(record.inputItems),
    historyItems: freezeItems(record.historyItems),
    ...(record.body === undefined ? {} : { body: structuredClone(record.body) }),
  })
  /** A stored record as callers get it: items frozen and shared, the response and the request body their own copies. */
  const readRecord = ({ record }: Entry): StoredResponse => ({
    ...record,
    response: structuredClone(record.response),
    ...(record.body === undefined ? {} : { body: structuredClone(record.body) }),
  })
  /** Re-inserts an entry after a write: its size is measured again and its TTL starts over. */
  const touch = (id: string, entry: Entry): void => {
    entries.set(id, entry)
  }
  return {
    async save(record) {
      const existing = entries.get(record.response.id)
      const copy = copyRecord(record)
      if (existing === undefined) {
        entries.set(record.response.id, { record: copy, events: [], eventBytes: 0, ended: false, waiters: new Set() })
        return
      }
      existing.record = copy
      touch(record.response.id, existing)
    },
    async get(id) {
      const entry = entries.get(id)
      return entry === undefined ? undefined : readRecord(entry)
    },
    async delete(id) {
      return entries.delete(id)
    },
    async appendEvents(id, events, response) {
      const entry = entries.get(id)
      if (entry === undefined || entry.ended) return false
      if (response !== undefined) entry.record = { ...entry.record, response: structuredClone(response) }
      for (const event of events) {
        entry.events.push(structuredClone(event))
        entry.eventBytes += JSON.stringify(event).length
      }
      touch(id, entry)
      wake(entry)
      return true
    },
    async finish(id, decide): Promise<RunOutcome | undefined> {
      const entry = entries.get(id)
      if (entry === undefined || entry.ended) return undefined
      const outcome = decide(readRecord(entry), entry.events.length === 0 ? 0 : (entry.events.at(-1) as ResponsesStreamEvent).sequence_number + 1)
      if (outcome === undefined) return undefined
      entry.ended = true
      entry.record = { ...entry.record, response: structuredClone(outcome.response) }
      for (const event of outcome.events) {
        entry.events.push(structuredClone(event))
        entry.eventBytes += JSON.stringify(event).length
      }
      touch(id, entry)
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
