import type { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { ProxyError, toProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'
import { toOpenAIError } from '../openai/error-body.js'
import type { EventStreamWriter, SseFrame } from '../openai/event-stream-writer.js'

const timedOut = Symbol('timed out')
const endOfTurn = Symbol('end of turn')
const keepAliveComment = ': keep-alive\n\n'

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx and similar proxies must not buffer the stream
  'x-accel-buffering': 'no',
}

function encodeFrames(frames: SseFrame[]): string {
  let text = ''
  for (const frame of frames) text += frame.event === undefined ? `data: ${frame.data}\n\n` : `event: ${frame.event}\ndata: ${frame.data}\n\n`
  return text
}

/** Resolves once the work already under way in this turn of the event loop (its microtasks) has run. */
function waitForEndOfTurn(): Promise<typeof endOfTurn> {
  return new Promise((resolve) => setImmediate(resolve, endOfTurn))
}

type ErrorEvent = Extract<StreamEvent, { type: 'error' }>

function isErrorEvent(event: { type: string }): event is ErrorEvent {
  return event.type === 'error' && (event as { error?: unknown }).error instanceof ProxyError
}

/** An error response in the OpenAI shape, with Retry-After when the error carries one. */
export function createErrorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const { status, body, headers: errorHeaders } = toOpenAIError(error)
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers, ...errorHeaders } })
}

export interface EventStreamOptions {
  /** The Node response to write the stream to (`c.env.outgoing` under @hono/node-server). */
  outgoing: ServerResponse
  /** Send an SSE comment after this long without output, so clients and load balancers keep the connection. */
  keepAliveMs: number
  headers?: Record<string, string>
  /**
   * HTTP trailers sent after the last frame of a successful or failed stream (values known only at the end,
   * such as the number of upstream calls). Announced in the `Trailer` header; on an error answered before the
   * stream starts they are sent as ordinary headers.
   */
  trailers?: { names: string[]; read: () => Record<string, string> }
  /** The dialect's error answer when the stream fails before it starts (default: the OpenAI error object). */
  createErrorResponse?: (error: unknown, headers: Record<string, string>) => Response
  /** The bytes that keep a quiet stream alive (default: an SSE comment). */
  keepAliveText?: string
}

/**
 * The only writer of SSE bytes.
 *
 * It waits for the first event before it chooses the status: a failure that comes first (an upstream 401, say)
 * is answered as a plain JSON error with its own status (a Response for Hono to send). Once there is output, it
 * writes the stream itself to the Node response and returns RESPONSE_ALREADY_SENT; a later failure becomes
 * the dialect's error frame and the stream ends without `[DONE]`. While nothing is produced, keep-alive
 * comments go out every `keepAliveMs`.
 *
 * Frames that arrive in the same turn of the event loop (one upstream read often carries many chunks) go out
 * in one socket write, the headers with the first frames and the last frames with the end of the response.
 * A slow client slows the upstream read (backpressure); a client that leaves ends the event source, and so
 * every upstream call under it.
 * @example return respondWithEventStream(events, responder.createStreamWriter(), { outgoing: c.env.outgoing, keepAliveMs: 5000 })
 */
export async function respondWithEventStream<E extends { type: string } = Exclude<StreamEvent, { type: 'error' }>>(
  events: AsyncIterable<E | ErrorEvent>,
  writer: EventStreamWriter<E>,
  options: EventStreamOptions,
): Promise<Response> {
  type SourceEvent = E | ErrorEvent
  const iterator = events[Symbol.asyncIterator]()
  // The next step of the source. It stays here until a consumer has taken it: when a timer wins a race
  // against it, the same promise is raced again later, so no event is ever lost.
  let pending: Promise<IteratorResult<SourceEvent>> | undefined
  const peek = (): Promise<IteratorResult<SourceEvent>> =>
    (pending ??= iterator.next().catch((error: unknown) => ({ done: false, value: { type: 'error' as const, error: toProxyError(error) } })))
  const take = (outcome: IteratorResult<SourceEvent>): IteratorResult<SourceEvent> => {
    pending = undefined
    return outcome
  }
  const stop = (): void => {
    void iterator.return?.()?.catch(() => undefined)
  }
  type Batch = { text: string; done: boolean; failure?: ProxyError }
  /**
   * Waits for output, then takes whatever else arrives in the same turn of the event loop. Before the stream is
   * committed, a failure is returned as `failure` (to be answered with its own status) rather than written, and
   * `waitMs` bounds the wait (undefined: it passed with nothing to write).
   */
  const readBatch = async (committed: boolean, waitMs?: number): Promise<Batch | undefined> => {
    let text = ''
    let turn: Promise<typeof endOfTurn> | undefined
    let timer: NodeJS.Timeout | undefined
    const deadline =
      waitMs === undefined
        ? undefined
        : new Promise<typeof timedOut>((resolve) => {
            timer = setTimeout(resolve, waitMs, timedOut)
          })
    try {
      for (;;) {
        const raced = await Promise.race([peek(), ...(turn === undefined ? [] : [turn]), ...(deadline === undefined || text !== '' ? [] : [deadline])])
        if (raced === timedOut) return undefined
        if (raced === endOfTurn) return { text, done: false }
        const outcome = take(raced)
        if (outcome.done === true) {
          if (!committed && text === '') {
            // the source ended without producing anything: that is a failure, not an empty success
            return {
              text,
              done: true,
              failure: new ProxyError('The upstream produced no answer.', { status: 502, type: 'upstream_error', code: 'upstream_empty_response' }),
            }
          }
          return { text: text + encodeFrames(writer.end()), done: true }
        }
        const event = outcome.value
        if (isErrorEvent(event)) {
          if (!committed && text === '') return { text, done: true, failure: event.error }
          return { text: text + encodeFrames(writer.fail(event.error)), done: true }
        }
        text += encodeFrames(writer.write(event))
        if (text !== '') turn ??= waitForEndOfTurn()
      }
    } finally {
      clearTimeout(timer)
    }
  }

  // Before committing to a 200: the first output, a failure, or the keep-alive interval, whichever comes first.
  const head = await readBatch(false, options.keepAliveMs)
  if (head?.failure !== undefined) {
    stop()
    return (options.createErrorResponse ?? createErrorResponse)(head.failure, { ...options.headers, ...options.trailers?.read() })
  }

  const { outgoing, trailers } = options
  outgoing.writeHead(200, { ...sseHeaders, ...options.headers, ...(trailers === undefined ? {} : { trailer: trailers.names.join(', ') }) })
  const end = (text: string): void => {
    if (trailers !== undefined) {
      // trailers follow a chunked body: the last write must not be folded into one fixed-length response
      if (text !== '') outgoing.write(text)
      outgoing.addTrailers(trailers.read())
      outgoing.end()
    } else outgoing.end(text)
  }
  void pumpEvents(outgoing, head, () => readBatch(true), stop, options.keepAliveMs, end, options.keepAliveText ?? keepAliveComment)
  return RESPONSE_ALREADY_SENT
}

/** Writes batches to the response until the source is done or the client has gone. */
async function pumpEvents(
  outgoing: ServerResponse,
  head: { text: string; done: boolean } | undefined,
  readBatch: () => Promise<{ text: string; done: boolean } | undefined>,
  stop: () => void,
  keepAliveMs: number,
  end: (text: string) => void,
  keepAliveText: string,
): Promise<void> {
  if (head?.done === true) {
    end(head.text)
    return
  }
  let lastWrite = Date.now()
  let closed = false
  const onClose = (): void => {
    closed = true
  }
  outgoing.once('close', onClose)
  // the headers go out with the first write: an empty one when there is no output yet
  outgoing.write(head?.text ?? '')
  const keepAlive = setInterval(
    () => {
      if (closed || Date.now() - lastWrite < keepAliveMs) return
      lastWrite = Date.now()
      outgoing.write(keepAliveText)
    },
    Math.max(50, Math.floor(keepAliveMs / 2)),
  )
  keepAlive.unref()
  let done = false
  try {
    while (!closed) {
      const batch = await readBatch()
      if (batch === undefined || closed) break
      lastWrite = Date.now()
      if (batch.done) {
        done = true
        end(batch.text)
        break
      }
      if (!outgoing.write(batch.text) && !closed) await waitForDrainOrClose(outgoing)
    }
  } catch (error) {
    // a bug below the writer: end the response rather than leave it hanging
    console.error('[optiproxy] stream writer failed', error)
    outgoing.destroy()
  } finally {
    clearInterval(keepAlive)
    outgoing.off('close', onClose)
    if (!done) stop()
  }
}

function waitForDrainOrClose(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      outgoing.off('drain', finish)
      outgoing.off('close', finish)
      resolve()
    }
    outgoing.once('drain', finish)
    outgoing.once('close', finish)
  })
}
