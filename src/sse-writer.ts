import { ProxyError, toProxyError } from './core/proxy-error.js'
import type { StreamEvent } from './core/stream-event.js'
import { toOpenAIError } from './openai/error-body.js'
import type { EventStreamWriter, SseFrame } from './openai/event-stream-writer.js'

const encoder = new TextEncoder()
const keepAliveBytes = encoder.encode(': keep-alive\n\n')
const timedOut = Symbol('timed out')

export const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx and similar proxies must not buffer the stream
  'x-accel-buffering': 'no',
}

function encodeFrames(frames: SseFrame[]): Uint8Array {
  let text = ''
  for (const frame of frames) text += frame.event === undefined ? `data: ${frame.data}\n\n` : `event: ${frame.event}\ndata: ${frame.data}\n\n`
  return encoder.encode(text)
}

/** An error response in the OpenAI shape, with Retry-After when the error carries one. */
export function createErrorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const { status, body, headers: errorHeaders } = toOpenAIError(error)
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers, ...errorHeaders } })
}

export interface EventStreamOptions {
  /** Send an SSE comment after this long without output, so clients and load balancers keep the connection. */
  keepAliveMs: number
  headers?: Record<string, string>
}

/**
 * The only writer of SSE bytes. It waits for the first event before choosing the status: a failure that comes
 * first (an upstream 401, say) is answered as a plain JSON error with its own status; once content flows,
 * a failure becomes the dialect's error frame and the stream ends without `[DONE]`. While nothing is produced,
 * keep-alive comments go out every `keepAliveMs`. Pull-based, so a slow client slows the upstream read
 * (backpressure) and a client that leaves cancels the event source (and so every upstream call under it).
 * @example return respondWithEventStream(approach.run(context), responder.createStreamWriter(), { keepAliveMs: 5000 })
 */
export async function respondWithEventStream(events: AsyncIterable<StreamEvent>, writer: EventStreamWriter, options: EventStreamOptions): Promise<Response> {
  const iterator = events[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<StreamEvent>> | undefined
  const nextEvent = (): Promise<IteratorResult<StreamEvent>> => (pending ??= iterator.next())
  const stop = (): void => {
    void iterator.return?.()?.catch(() => undefined)
  }

  /** Writes one step's outcome; returns the bytes and whether the stream is over. */
  const convert = (outcome: IteratorResult<StreamEvent>): { bytes?: Uint8Array; done: boolean } => {
    if (outcome.done === true) return { bytes: encodeFrames(writer.end()), done: true }
    const event = outcome.value
    if (event.type === 'error') return { bytes: encodeFrames(writer.fail(event.error)), done: true }
    const frames = writer.write(event)
    return frames.length === 0 ? { done: false } : { bytes: encodeFrames(frames), done: false }
  }
  const safeNext = async (): Promise<IteratorResult<StreamEvent>> => {
    try {
      return await nextEvent()
    } catch (error) {
      return { done: false, value: { type: 'error', error: toProxyError(error) } }
    } finally {
      pending = undefined
    }
  }

  // Before committing to a 200: wait for the first output, a failure, or the keep-alive interval.
  const head: Uint8Array[] = []
  let finished = false
  for (;;) {
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      safeNext(),
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(resolve, options.keepAliveMs, timedOut)
      }),
    ])
    clearTimeout(timer)
    if (outcome === timedOut) break
    if (outcome.done !== true && outcome.value.type === 'error') {
      stop()
      return createErrorResponse(outcome.value.error, options.headers)
    }
    const { bytes, done } = convert(outcome)
    if (done && head.length === 0 && outcome.done === true) {
      // the source ended without producing anything: that is a failure, not an empty success
      return createErrorResponse(new ProxyError('The upstream produced no answer.', { status: 502, type: 'upstream_error', code: 'upstream_empty_response' }), options.headers)
    }
    if (bytes !== undefined) head.push(bytes)
    if (done) {
      finished = true
      break
    }
    if (bytes !== undefined) break
  }

  let lastWrite = Date.now()
  let keepAlive: NodeJS.Timeout | undefined
  let closed = false
  const close = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    if (closed) return
    closed = true
    clearInterval(keepAlive)
    controller.close()
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const bytes of head) controller.enqueue(bytes)
      if (finished) {
        close(controller)
        return
      }
      keepAlive = setInterval(() => {
        if (closed || Date.now() - lastWrite < options.keepAliveMs) return
        lastWrite = Date.now()
        controller.enqueue(keepAliveBytes)
      }, Math.max(50, Math.floor(options.keepAliveMs / 2)))
      keepAlive.unref()
    },
    async pull(controller) {
      // a pull that enqueues nothing is not called again, so keep reading until there is something to send
      for (;;) {
        const { bytes, done } = convert(await safeNext())
        if (closed) return
        if (bytes !== undefined) {
          lastWrite = Date.now()
          controller.enqueue(bytes)
        }
        if (done) close(controller)
        if (bytes !== undefined || done) return
      }
    },
    cancel() {
      closed = true
      clearInterval(keepAlive)
      stop()
    },
  })
  return new Response(body, { status: 200, headers: { ...sseHeaders, ...options.headers } })
}
