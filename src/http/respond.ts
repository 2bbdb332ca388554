import type { ServerResponse } from 'node:http'
import { foldStreamEvents } from '../core/model-result.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { DialectResponder } from '../openai/event-stream-writer.js'
import { createErrorResponse, respondWithEventStream } from './sse-writer.js'

/**
 * Answers with the events of one request, streamed as SSE or folded into one JSON body: the same events
 * either way, so a streamed and a non-streamed answer cannot disagree.
 */
export async function respondWithEvents(
  events: AsyncIterable<StreamEvent>,
  responder: DialectResponder,
  options: {
    streaming: boolean
    keepAliveMs: number
    outgoing: ServerResponse
    /** Headers every answer carries, streamed or not (`x-request-id`, the chosen target, the cache outcome). */
    headers?: Record<string, string>
    /** Headers known only once the events are done (a JSON answer's headers; a stream's HTTP trailers). */
    finalHeaders?: { names: string[]; read: () => Record<string, string> }
  },
): Promise<Response> {
  const { finalHeaders } = options
  const headers = options.headers ?? {}
  if (options.streaming) {
    return respondWithEventStream(events, responder.createStreamWriter(), {
      keepAliveMs: options.keepAliveMs,
      outgoing: options.outgoing,
      headers,
      ...(finalHeaders === undefined ? {} : { trailers: finalHeaders }),
      ...(responder.createErrorResponse === undefined ? {} : { createErrorResponse: responder.createErrorResponse }),
      ...(responder.keepAliveText === undefined ? {} : { keepAliveText: responder.keepAliveText }),
    })
  }
  try {
    const body = responder.createBody(await foldStreamEvents(events))
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers, ...finalHeaders?.read() } })
  } catch (error) {
    return (responder.createErrorResponse ?? createErrorResponse)(error, { ...headers, ...finalHeaders?.read() })
  }
}
