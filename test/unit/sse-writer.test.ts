import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { afterEach, describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { EventStreamWriter } from '../../src/openai/event-stream-writer.js'
import { respondWithEventStream } from '../../src/http/sse-writer.js'

/** A dialect that writes each text delta as its own frame, so the test can see every event. */
const plainWriter: EventStreamWriter = {
  write: (event) => (event.type === 'text-delta' ? [{ data: event.delta }] : []),
  fail: (error) => [{ data: `error:${error.message}` }],
  end: () => [{ data: '[DONE]' }],
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const text = (delta: string): StreamEvent => ({ type: 'text-delta', choice: 0, delta })

interface Served {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** What the server wrote to the socket, one entry per write() or end() with data. */
  writes: string[]
}

const servers: http.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

/** Serves one event stream through respondWithEventStream on a real socket and reads it; a slow client starts reading late. */
async function serve(source: AsyncIterable<StreamEvent>, keepAliveMs: number, startReadingAfterMs = 0): Promise<Served> {
  const writes: string[] = []
  const server = http.createServer((_request, response) => {
    const write = response.write.bind(response) as (chunk: string) => boolean
    const end = response.end.bind(response) as (chunk?: string) => http.ServerResponse
    response.write = ((chunk: string) => {
      if (chunk !== '') writes.push(chunk)
      return write(chunk)
    }) as typeof response.write
    response.end = ((chunk?: string) => {
      if (chunk !== undefined && chunk !== '') writes.push(chunk)
      return end(chunk)
    }) as typeof response.end
    void respondWithEventStream(source, plainWriter, { outgoing: response, keepAliveMs }).then(async (answer) => {
      if (answer === RESPONSE_ALREADY_SENT) return
      response.writeHead(answer.status, Object.fromEntries(answer.headers))
      response.end(await answer.text())
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        if (startReadingAfterMs > 0) {
          response.pause()
          setTimeout(() => response.resume(), startReadingAfterMs)
        }
        response.on('data', (chunk: string) => {
          body += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, writes }))
      })
      .on('error', reject)
  })
}

const dataOf = (body: string) =>
  body
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6))

describe('respondWithEventStream', () => {
  it('delivers every event exactly once and in order while keep-alive timers race the source', async () => {
    async function* source(): AsyncGenerator<StreamEvent> {
      yield { type: 'response-metadata', metadata: {} }
      await sleep(80) // longer than the keep-alive: the head wait times out while this event is on its way
      yield text('a')
      for (const gap of [70, 0, 0, 90, 5, 70]) {
        await sleep(gap)
        yield text(String(gap))
      }
    }
    const served = await serve(source(), 30)
    expect(served.status).toBe(200)
    expect(served.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(dataOf(served.body)).toEqual(['a', '70', '0', '0', '90', '5', '70', '[DONE]'])
    expect(served.body).toContain(': keep-alive')
  })

  it('loses nothing when events arrive while a slow client is not reading', async () => {
    async function* source(): AsyncGenerator<StreamEvent> {
      for (let index = 0; index < 12; index++) {
        yield text(`${index}:${'x'.repeat(1_000_000)}`) // large enough to fill the socket buffers: backpressure
        await sleep(index % 3 === 0 ? 0 : 15)
      }
    }
    const served = await serve(source(), 1_000, 400)
    expect(dataOf(served.body).map((data) => data.split(':')[0])).toEqual([...Array.from({ length: 12 }, (_, index) => String(index)), '[DONE]'])
  })

  it('writes what arrives in one turn in one write, and a whole fast answer with its headers in one', async () => {
    async function* burst(): AsyncGenerator<StreamEvent> {
      yield text('first')
      await sleep(10)
      for (let index = 0; index < 20; index++) yield text(`burst-${index}`)
    }
    const served = await serve(burst(), 1_000)
    expect(served.writes).toHaveLength(2)
    expect(served.writes[0]).toBe('data: first\n\n')
    expect(served.writes[1]?.match(/data: burst-/g)).toHaveLength(20)
    expect(served.writes[1]?.endsWith('data: [DONE]\n\n')).toBe(true)

    async function* fast(): AsyncGenerator<StreamEvent> {
      for (let index = 0; index < 20; index++) yield text(String(index))
    }
    const whole = await serve(fast(), 1_000)
    expect(whole.writes).toHaveLength(1)
    expect(dataOf(whole.body)).toHaveLength(21)
  })

  it('answers a failure before any output with its own status, even after metadata, and one after output as a frame', async () => {
    const failure = new ProxyError('slow down', { status: 429, type: 'rate_limit_error', retryAfter: '2' })
    async function* early(): AsyncGenerator<StreamEvent> {
      yield { type: 'response-metadata', metadata: {} }
      yield { type: 'error', error: failure }
    }
    const first = await serve(early(), 1_000)
    expect(first.status).toBe(429)
    expect(first.headers['retry-after']).toBe('2')
    expect(JSON.parse(first.body)).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', param: null, code: null } })

    async function* late(): AsyncGenerator<StreamEvent> {
      yield text('partial')
      await sleep(5)
      yield { type: 'error', error: failure }
    }
    const second = await serve(late(), 1_000)
    expect(second.status).toBe(200)
    expect(second.body).toBe('data: partial\n\ndata: error:slow down\n\n')
  })

  it('a source that throws becomes an error frame; one that ends empty is a 502', async () => {
    async function* throwing(): AsyncGenerator<StreamEvent> {
      yield text('x')
      throw new Error('bug')
    }
    expect((await serve(throwing(), 1_000)).body).toContain('data: error:')
    async function* empty(): AsyncGenerator<StreamEvent> {}
    expect((await serve(empty(), 1_000)).status).toBe(502)
  })

  it('a client that leaves ends the source', async () => {
    let ended = false
    async function* endless(): AsyncGenerator<StreamEvent> {
      try {
        for (;;) {
          yield text('tick')
          await sleep(5)
        }
      } finally {
        ended = true
      }
    }
    const server = http.createServer((_request, response) => void respondWithEventStream(endless(), plainWriter, { outgoing: response, keepAliveMs: 1_000 }))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port }, (response) => {
        response.once('data', () => {
          request.destroy()
          resolve()
        })
      })
      request.on('error', () => undefined)
    })
    await sleep(50)
    expect(ended).toBe(true)
  })
})
