/** The console's access to the proxy: the admin API with the admin key (kept for this browser session only). */

const adminKeyName = 'optiproxy.adminKey'
const clientKeyName = 'optiproxy.clientKey'

export type SpanKind = 'request' | 'stage' | 'step' | 'upstream_call'
export type SpanStatus = 'running' | 'ok' | 'error' | 'cancelled'
export type AttributeValue = string | number | boolean | string[] | number[]

export interface TraceSpan {
  id: string
  parentId?: string
  kind: SpanKind
  name: string
  startTime: number
  endTime?: number
  status: SpanStatus
  attributes: Record<string, AttributeValue>
  events: Array<{ name: string; time: number; attributes?: Record<string, AttributeValue> }>
}

export interface TraceSummary {
  id: string
  startTime: number
  endTime?: number
  status: SpanStatus
  model?: string
  approach?: string
  route?: string
  upstreamCalls: number
  promptTokens: number
  completionTokens: number
  droppedSpans: number
  spanCount: number
}

export type RequestTrace = Omit<TraceSummary, 'spanCount'> & { spans: TraceSpan[] }

export class AccessError extends Error {}

export function readAdminKey(): string | undefined {
  return sessionStorage.getItem(adminKeyName) ?? undefined
}

export function saveAdminKey(key: string | undefined): void {
  if (key === undefined) sessionStorage.removeItem(adminKeyName)
  else sessionStorage.setItem(adminKeyName, key)
}

export function readClientKey(): string {
  return sessionStorage.getItem(clientKeyName) ?? ''
}

export function saveClientKey(key: string): void {
  sessionStorage.setItem(clientKeyName, key)
}

function adminHeaders(): Record<string, string> {
  const key = readAdminKey()
  return key === undefined ? {} : { authorization: `Bearer ${key}` }
}

/** GET on the admin API; a 401/403 is an AccessError (the login form shows). */
export async function fetchAdmin<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: adminHeaders(), ...(signal === undefined ? {} : { signal }) })
  if (response.status === 401 || response.status === 403) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
    throw new AccessError(body.error?.message ?? 'Access refused.')
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
  return (await response.json()) as T
}

/** Fetches a text resource of the admin API (an evaluation's report) with the key. */
export async function fetchAdminText(path: string): Promise<string> {
  const response = await fetch(path, { headers: adminHeaders() })
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
  return response.text()
}

/** One server-sent event. */
export interface SseMessage {
  event: string
  data: string
}

/**
 * Reads a server-sent event stream from a fetch response body (EventSource cannot send the admin key).
 * Calls `onMessage` for each event until the stream ends or `signal` aborts.
 */
export async function readEventStream(response: Response, onMessage: (message: SseMessage) => void): Promise<void> {
  if (response.body === null) return
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value.replace(/\r\n?/g, '\n')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      if (data.length > 0) onMessage({ event, data: data.join('\n') })
      end = buffer.indexOf('\n\n')
    }
  }
}

/** Opens the live trace feed. */
export async function openTraceFeed(signal: AbortSignal): Promise<Response> {
  const response = await fetch('/v1/optiproxy/traces/stream', { headers: adminHeaders(), signal })
  if (response.status === 401 || response.status === 403) throw new AccessError('Access refused.')
  if (!response.ok) throw new Error(`trace feed: HTTP ${response.status}`)
  return response
}
