import { LRUCache } from 'lru-cache'
import type { RequestTrace } from '../core/trace-span.js'
import { matchesTraceQuery, summarizeTrace, type TraceStore, type TraceSummary } from './trace-store.js'

interface StoredTrace {
  /** The trace as JSON: its size is what the byte bound counts, and a read cannot change the stored copy. */
  json: string
  summary: TraceSummary
}

/**
 * The default trace store: a ring of the newest traces, bounded by count and by the bytes of their JSON (the
 * oldest go first). Reads do not refresh a trace's place.
 * @example const store = createMemoryTraceStore({ maxTraces: 1000, maxBytes: 64 * 2 ** 20 })
 */
export function createMemoryTraceStore(bounds: { maxTraces: number; maxBytes: number }): TraceStore & { readonly size: number; readonly bytes: number } {
  const traces = new LRUCache<string, StoredTrace>({
    max: bounds.maxTraces,
    maxSize: bounds.maxBytes,
    sizeCalculation: (entry) => Math.max(1, entry.json.length),
  })
  return {
    get size() {
      return traces.size
    },
    get bytes() {
      return traces.calculatedSize
    },
    async save(trace) {
      const json = JSON.stringify(trace)
      // a trace larger than the whole ring is not kept (LRUCache refuses it)
      if (json.length > bounds.maxBytes) return
      traces.delete(trace.id)
      traces.set(trace.id, { json, summary: summarizeTrace(trace) })
    },
    async get(id) {
      const entry = traces.peek(id)
      return entry === undefined ? undefined : (JSON.parse(entry.json) as RequestTrace)
    },
    async list(query) {
      const found: TraceSummary[] = []
      // newest first: entries() walks from the most recently set
      for (const [, entry] of traces.entries()) {
        if (!matchesTraceQuery(entry.summary, query)) continue
        found.push(entry.summary)
        if (found.length >= query.limit) break
      }
      return found
    },
    async close() {
      traces.clear()
    },
  }
}
