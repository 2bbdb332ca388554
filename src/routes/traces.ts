import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { ProxyError } from '../core/proxy-error.js'
import type { Tracing, TraceUpdate } from '../tracing/create-tracing.js'
import { matchesTraceQuery, traceQuerySchema, type TraceSummary } from '../tracing/trace-store.js'
import { convertZodError } from '../openai/convert-zod-error.js'
import type { AppEnv } from './route-dependencies.js'

const tracingOffError = (): ProxyError =>
  new ProxyError('Request traces are off (OPTIPROXY_TRACES=off).', { status: 404, type: 'invalid_request_error', code: 'traces_off' })

/** GET /v1/optiproxy/traces?limit=&model=&approach=&status= : running traces of this instance, then stored ones, newest first. */
export function createListTracesHandler(tracing: Tracing | undefined) {
  return async function handleListTraces(c: Context<AppEnv>): Promise<Response> {
    if (tracing === undefined) throw tracingOffError()
    const parsed = traceQuerySchema.safeParse(c.req.query())
    if (!parsed.success) throw convertZodError(parsed.error)
    const query = parsed.data
    const running = tracing.listRunning().filter((summary) => matchesTraceQuery(summary, query))
    const stored = query.status === 'running' ? [] : await tracing.store.list({ ...query, limit: query.limit })
    const seen = new Set(running.map((summary) => summary.id))
    const data: TraceSummary[] = [...running, ...stored.filter((summary) => !seen.has(summary.id))]
      .sort((a, b) => b.startTime - a.startTime)
      .slice(0, query.limit)
    return c.json({ object: 'list', data, captures_text: tracing.capturesText })
  }
}

/** GET /v1/optiproxy/traces/{id}: the whole tree (a running trace as it stands). */
export function createRetrieveTraceHandler(tracing: Tracing | undefined) {
  return async function handleRetrieveTrace(c: Context<AppEnv>): Promise<Response> {
    if (tracing === undefined) throw tracingOffError()
    const id = c.req.param('id') ?? ''
    const trace = tracing.getRunning(id) ?? (id.length <= 300 ? await tracing.store.get(id) : undefined)
    if (trace === undefined)
      throw new ProxyError(`No trace with id '${id.slice(0, 300)}'.`, { status: 404, type: 'invalid_request_error', code: 'trace_not_found' })
    return c.json(trace)
  }
}

/**
 * GET /v1/optiproxy/traces/stream: server-sent events, one `trace` event per trace that starts or finishes on
 * this instance (`{ type: 'started' | 'finished', trace: summary }`), a comment every `keepAliveMs` of silence.
 */
export function createTraceStreamHandler(tracing: Tracing | undefined, keepAliveMs: number, isDraining: () => boolean) {
  return function handleTraceStream(c: Context<AppEnv>): Response | Promise<Response> {
    if (tracing === undefined) throw tracingOffError()
    return streamSSE(c, async (stream) => {
      const queue: TraceUpdate[] = []
      let wake: (() => void) | undefined
      const unsubscribe = tracing.subscribe((update) => {
        // a reader that cannot keep up loses the oldest updates, never the server's memory
        if (queue.length >= 1000) queue.shift()
        queue.push(update)
        wake?.()
      })
      let open = true
      stream.onAbort(() => {
        open = false
        unsubscribe()
        wake?.()
      })
      await stream.writeSSE({ event: 'ready', data: '{}' })
      try {
        while (open) {
          while (queue.length > 0 && open) await stream.writeSSE({ event: 'trace', data: JSON.stringify(queue.shift()) })
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), keepAliveMs)
            wake = () => {
              clearTimeout(timer)
              resolve(true)
            }
          })
          wake = undefined
          // a server that shuts down ends the feed (the console reconnects to another instance)
          if (isDraining()) break
          if (!woke && open) await stream.write(': keep-alive\n\n')
        }
      } finally {
        unsubscribe()
      }
    })
  }
}
