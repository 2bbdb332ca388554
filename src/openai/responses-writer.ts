import type { ProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { EventStreamWriter, SseFrame } from './event-stream-writer.js'
import type { ResponsesEventBuilder } from './responses-event-builder.js'
import type { ResponsesStreamEvent } from './responses-object.js'

/** A Responses event read back from a run's event log, as the SSE writer carries it. */
export interface LoggedResponsesEvent {
  type: 'responses-event'
  event: ResponsesStreamEvent
}

function toFrames(events: ResponsesStreamEvent[]): SseFrame[] {
  return events.map((event) => ({ event: event.type, data: JSON.stringify(event) }))
}

/**
 * Writes a response's run as Responses SSE events (`event: response.output_text.delta` ...). The first frames
 * announce the response; `terminal` gives the closing events when the caller has already built them (to store
 * the final object before the stream ends).
 * @example respondWithEventStream(events, createResponsesStreamWriter(builder, () => closing), options)
 */
export function createResponsesStreamWriter(builder: ResponsesEventBuilder, terminal: () => ResponsesStreamEvent[] | undefined): EventStreamWriter {
  let started = false
  const start = (): ResponsesStreamEvent[] => {
    if (started) return []
    started = true
    return builder.start()
  }
  return {
    write: (event: Exclude<StreamEvent, { type: 'error' }>) => toFrames([...start(), ...builder.write(event)]),
    fail: (error: ProxyError) => toFrames([...start(), ...(terminal() ?? builder.fail(error))]),
    end: () => toFrames([...start(), ...(terminal() ?? builder.complete())]),
  }
}

/**
 * Writes logged events as they are. A stream cut short (the instance shuts down) ends with an `error` event
 * numbered after the last one sent.
 * @example respondWithEventStream(followed, createLoggedEventsWriter(startingAfter), options)
 */
export function createLoggedEventsWriter(startingAfter: number): EventStreamWriter<LoggedResponsesEvent> {
  let last = startingAfter
  return {
    write(logged) {
      last = logged.event.sequence_number
      return toFrames([logged.event])
    },
    fail: (error) => toFrames([{ type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: last + 1 }]),
    end: () => [],
  }
}
