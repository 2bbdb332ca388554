import type { UpstreamCallObserver } from '../core/provider.js'
import type { Message } from '../core/message.js'

/** What one request did, gathered while it runs and logged when its response ends. Lives in the request's context. */
export interface RequestRecord {
  id: string
  method: string
  /** The route pattern (`/v1/chat/completions`), never the raw path: it labels metrics. */
  route: string
  /** performance.now() at arrival. */
  startedAt: number
  /** The name of the proxy key the client used (never the key). */
  apiKeyName?: string
  model?: string
  approach?: string
  streaming?: boolean
  providers: Set<string>
  /** The target a routing group chose (`provider/model`). */
  target?: string
  upstreamCalls: number
  promptTokens: number
  completionTokens: number
  /** Seconds from arrival to the first generated delta. */
  timeToFirstTokenSeconds?: number
  error?: { type: string; code: string | null; status: number }
  /** The conversation, kept only when prompt logging is enabled. */
  messages?: Message[]
}

const knownRoutes = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/models',
  '/v1/responses',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/health',
  '/ready',
  '/metrics',
])

/** The metric label of a path: a known route, or `other` (so unknown paths cannot grow the label set). */
export function toRouteLabel(path: string): string {
  if (knownRoutes.has(path)) return path
  if (path.startsWith('/v1/models/')) return '/v1/models/:model'
  if (path.startsWith('/v1/responses/')) return '/v1/responses/:id'
  return 'other'
}

/**
 * @example const record = createRequestRecord('req_1', 'POST', '/v1/chat/completions')
 */
export function createRequestRecord(id: string, method: string, path: string): RequestRecord {
  return { id, method, route: toRouteLabel(path), startedAt: performance.now(), providers: new Set(), upstreamCalls: 0, promptTokens: 0, completionTokens: 0 }
}

/**
 * The observer that counts a request's upstream calls, providers and tokens into its record, and notes the routing
 * target (also handed to `onTarget`, e.g. for a response header).
 * @example const observer = createRecordObserver(record, 'moa', (target) => (headers['x-optiproxy-target'] = target))
 */
export function createRecordObserver(record: RequestRecord, approach: string | undefined, onTarget?: (target: string) => void): UpstreamCallObserver {
  return {
    ...(approach === undefined ? {} : { approach }),
    callEnded(report) {
      record.upstreamCalls++
      record.providers.add(report.provider)
      if (report.usage !== undefined) {
        record.promptTokens += report.usage.promptTokens
        record.completionTokens += report.usage.completionTokens
      }
    },
    targetChosen(target) {
      record.target = target
      onTarget?.(target)
    },
  }
}
