import { z } from 'zod'
import type { RequestTrace, TraceSpanStatus } from '../core/trace-span.js'

/** A trace without its spans: what lists and the live feed show. */
export type TraceSummary = Omit<RequestTrace, 'spans'> & { spanCount: number }

/** The filters of `GET /v1/optiproxy/traces`. */
export const traceQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  model: z.string().min(1).max(200).optional(),
  approach: z.string().min(1).max(200).optional(),
  status: z.enum(['running', 'ok', 'error', 'cancelled']).optional(),
})
export type TraceQuery = z.infer<typeof traceQuerySchema>

/** Where finished traces are kept: an in-memory ring (one instance) or Redis (shared, with a TTL). */
export interface TraceStore {
  /** Keeps a finished trace; a store that works synchronously (memory) returns nothing. */
  save(trace: RequestTrace): Promise<void> | undefined
  get(id: string): Promise<RequestTrace | undefined>
  /** Newest first, filtered. */
  list(query: TraceQuery): Promise<TraceSummary[]>
  close(): Promise<void>
}

/**
 * @example const summary = summarizeTrace(trace) // { id, status, upstreamCalls, ..., spanCount }
 */
export function summarizeTrace(trace: RequestTrace): TraceSummary {
  const { spans, ...summary } = trace
  return { ...summary, spanCount: spans.length }
}

/** True when a trace's summary passes the query's filters (the approach filter matches any slug of a combination). */
export function matchesTraceQuery(summary: Pick<TraceSummary, 'model' | 'status' | 'approach'>, query: TraceQuery): boolean {
  if (query.model !== undefined && summary.model !== query.model) return false
  if (query.status !== undefined && summary.status !== (query.status as TraceSpanStatus)) return false
  if (query.approach !== undefined && summary.approach !== query.approach && !(summary.approach ?? '').split(/[&|]/).includes(query.approach)) return false
  return true
}
