import { ProxyError, toProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { ProxyMetrics } from '../observability/metrics.js'
import type { RequestRecord } from '../observability/request-record.js'

export interface EventSupervision {
  metrics: ProxyMetrics
  record: RequestRecord
  /** Fires when shutdown's grace period is over: the response ends with an error now. */
  streamsEnd: AbortSignal
  streaming: boolean
}

const ended = Symbol('ended')

function createShutdownError(): ProxyError {
  return new ProxyError('The server is shutting down and ended this response; retry the request.', {
    status: 503,
    type: 'server_error',
    code: 'server_shutting_down',
    isRetryable: true,
    retryAfter: '1',
  })
}

/**
 * The events of one response as the client gets them, observed and bounded: time to the first generated delta,
 * errors by type, the open-streams gauge, and the end of the shutdown grace period, which ends the response with
 * an `error` event (an error frame once streaming, a 503 before) and stops everything under it.
 * @example const events = superviseEvents(run.events, { metrics, record, streamsEnd: lifecycle.streamsEnd, streaming: true })
 */
export async function* superviseEvents(events: AsyncIterable<StreamEvent>, supervision: EventSupervision): AsyncGenerator<StreamEvent> {
  const { metrics, record, streamsEnd, streaming } = supervision
  const iterator = events[Symbol.asyncIterator]()
  // the shutdown's end interrupts the one pending read: no race against a long-lived promise per event (each
  // race would leave a reaction on it, holding every event of the stream until the stream ends)
  let shutDown = streamsEnd.aborted
  let interrupt: ((value: typeof ended) => void) | undefined
  const onEnd = (): void => {
    shutDown = true
    interrupt?.(ended)
  }
  if (!shutDown) streamsEnd.addEventListener('abort', onEnd, { once: true })
  const fail = (error: ProxyError): StreamEvent => {
    record.error = { type: error.type, code: error.code, status: error.status }
    metrics.errors.inc({ type: metrics.labels.errorType.read(error.type), code: metrics.labels.errorCode.read(error.code ?? 'none') })
    return { type: 'error', error }
  }
  if (streaming) metrics.streamsInFlight.inc()
  let finished = false
  let settled = false
  // an error event is the last one: writers stop reading after it, so everything is settled before it goes out
  const settle = (): void => {
    if (settled) return
    settled = true
    streamsEnd.removeEventListener('abort', onEnd)
    if (streaming) metrics.streamsInFlight.dec()
    if (!finished) void iterator.return?.(undefined)?.catch(() => undefined)
  }
  try {
    for (;;) {
      const next = iterator.next()
      let outcome: Awaited<typeof next> | typeof ended
      try {
        outcome = shutDown
          ? ended
          : await new Promise<Awaited<typeof next> | typeof ended>((resolve, reject) => {
              interrupt = resolve
              next.then(resolve, reject)
            })
        interrupt = undefined
      } catch (error) {
        // a failure thrown rather than yielded (a non-streamed call's error) is counted the same way
        finished = true
        fail(toProxyError(error))
        throw error
      }
      if (outcome === ended) {
        next.catch(() => undefined)
        const error = fail(createShutdownError())
        settle()
        yield error
        return
      }
      if (outcome.done === true) {
        finished = true
        return
      }
      const event = outcome.value
      if (event.type === 'error') {
        const error = fail(event.error)
        settle()
        yield error
        return
      }
      if (
        record.timeToFirstTokenSeconds === undefined &&
        (event.type === 'text-delta' || event.type === 'reasoning-delta' || event.type === 'tool-call-delta' || event.type === 'refusal-delta')
      ) {
        record.timeToFirstTokenSeconds = (performance.now() - record.startedAt) / 1000
        metrics.timeToFirstToken.observe(
          { route: record.route, approach: metrics.labels.approach.read(record.approach ?? 'unknown') },
          record.timeToFirstTokenSeconds,
        )
      }
      yield event
    }
  } finally {
    settle()
  }
}
