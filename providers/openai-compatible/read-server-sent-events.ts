import type { Readable } from 'node:stream'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

/**
 * The server-sent events of a response body, parsed by eventsource-parser (comments, multi-line data, CRLF and
 * events split across network chunks are its concern). Ending the iteration early leaves the body as it is:
 * the caller drains it (the connection is reused) or destroys it (the connection is closed).
 * @example for await (const event of readServerSentEvents(response.body)) if (event.data === '[DONE]') break
 */
export async function* readServerSentEvents(body: Readable): AsyncGenerator<EventSourceMessage> {
  const parsed: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (event) => parsed.push(event) })
  body.setEncoding('utf8')
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    parser.feed(chunk as string)
    for (const event of parsed) yield event
    parsed.length = 0
  }
}
