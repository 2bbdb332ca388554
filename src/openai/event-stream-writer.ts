import type { ModelResult } from '../core/model-result.js'
import type { ProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'

/** One server-sent event: an optional `event:` name and its `data:` text. */
export interface SseFrame {
  event?: string
  data: string
}

/**
 * How one dialect writes canonical events out. The SSE writer (src/http/sse-writer.ts) owns the bytes and the
 * connection; a dialect only says which frames an event becomes.
 */
export interface EventStreamWriter<E extends { type: string } = Exclude<StreamEvent, { type: 'error' }>> {
  write(event: E): SseFrame[]
  /** Frames that report a failure after the stream has started (the official SDKs raise them). */
  fail(error: ProxyError): SseFrame[]
  /** Frames that close a successful stream, e.g. the usage chunk and `[DONE]`. */
  end(): SseFrame[]
}

/** A dialect: how to stream a response and how to write the folded whole. */
export interface DialectResponder {
  createStreamWriter(): EventStreamWriter
  createBody(result: ModelResult): unknown
  /** The dialect's error answer (default: the OpenAI error object). */
  createErrorResponse?(error: unknown, headers: Record<string, string>): Response
  /** The bytes that keep a quiet stream alive (default: an SSE comment). */
  keepAliveText?: string
}
