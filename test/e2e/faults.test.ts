import { spawn, type ChildProcess } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer } from '../../src/server.js'
import { buildChatCompletion, buildChatCompletionChunks, buildErrorBody } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { readRawSse, startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] }

function post(t: ProxyUnderTest, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
}

async function readError(response: Response): Promise<{ message: string; type: string; code: string | null }> {
  const json = (await response.json()) as { error: { message: string; type: string; code: string | null } }
  expectSchemaValidWhenAvailable('ErrorResponse', json)
  return json.error
}

describe('an upstream that rate-limits', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest({ upstreamMaxRetries: 1 })
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())

  it('answers 429 with Retry-After, then succeeds: the retry honours it and the client gets the answer', async () => {
    let calls = 0
    t.upstream.setHandler(() =>
      ++calls === 1
        ? {
            kind: 'json',
            status: 429,
            headers: { 'retry-after': '0' },
            body: buildErrorBody({ message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }),
          }
        : { kind: 'json', body: buildChatCompletion({ content: 'second time lucky' }) },
    )
    const completion = await t.client.chat.completions.create(hello)
    expect(completion.choices[0]?.message.content).toBe('second time lucky')
    expect(t.upstream.requests).toHaveLength(2)
  })

  it('passes the 429 and its Retry-After on when the retries are used up', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '0' },
      body: buildErrorBody({ message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }),
    }))
    const response = await post(t, hello)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('0')
    expect((await readError(response)).code).toBe('rate_limit_exceeded')
    expect(t.upstream.requests).toHaveLength(2)
  })
})

describe('an upstream that cannot be reached', () => {
  it('is a 502 upstream_unreachable, and after three failures in a row /health reports the provider degraded', async () => {
    const t = await startProxyUnderTest()
    const deadUrl = t.upstream.url
    await t.upstream.close()
    const config = configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: deadUrl, logLevel: 'silent' })
    const proxy = await startServer(config)
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const response = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          body: JSON.stringify(hello),
          headers: { 'content-type': 'application/json' },
        })
        expect(response.status).toBe(502)
        expect((await readError(response)).code).toBe('upstream_unreachable')
      }
      const health = (await (await fetch(`${proxy.url}/health`)).json()) as { status: string; degraded: string[]; providers: Array<{ lastError?: string }> }
      expect(health.status).toBe('degraded')
      expect(health.degraded).toEqual(['openai'])
      expect(health.providers[0]?.lastError).toBe('upstream_unreachable')
    } finally {
      await proxy.close()
    }
  })
})

describe('timeouts', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest({ keepAliveMs: 5_000 })
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())

  it('an upstream that hangs before its headers: the first-byte timeout fires, a 504 timeout_error (whole answer)', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    const response = await post(t, { ...hello, optiproxy: { timeouts: { first_byte_ms: 200 } } })
    expect(response.status).toBe(504)
    const error = await readError(response)
    expect(error.type).toBe('timeout_error')
    expect(error.code).toBe('upstream_timeout')
    await t.upstream.waitForClosed(1)
  })

  it('an upstream that hangs before its headers: the first-byte timeout fires, a 504 before any byte of the stream', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    const response = await post(t, { ...hello, stream: true, optiproxy: { timeouts: { first_byte_ms: 200 } } })
    expect(response.status).toBe(504)
    expect((await readError(response)).type).toBe('timeout_error')
    await t.upstream.waitForClosed(1)
  })

  it('a stream that falls silent: the idle timeout ends it with an error frame after the first chunks', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['one', 'two', 'three'] }), delayMs: 1_000 }))
    const response = await post(t, { ...hello, stream: true, optiproxy: { timeouts: { idle_ms: 300 } } })
    expect(response.status).toBe(200)
    const { events } = await readRawSse(response)
    const last = JSON.parse(events.at(-1)?.data ?? '{}') as { error?: { code: string; type: string } }
    expect(last.error).toMatchObject({ type: 'timeout_error', code: 'upstream_idle_timeout' })
    expect(events.some((event) => event.data === '[DONE]')).toBe(false)
    await t.upstream.waitForClosed(1)
  })

  it('the total timeout bounds a stream that keeps going', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 50 }, () => 'x') }), delayMs: 50 }))
    const response = await post(t, { ...hello, stream: true, optiproxy: { timeouts: { total_ms: 400 } } })
    const { events } = await readRawSse(response)
    const last = JSON.parse(events.at(-1)?.data ?? '{}') as { error?: { code: string } }
    expect(last.error?.code).toBe('upstream_total_timeout')
  })

  it('a malformed optiproxy.timeouts is a 400 naming the field', async () => {
    const response = await post(t, { ...hello, optiproxy: { timeouts: { first_byte_ms: -5 } } })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { param: 'optiproxy.timeouts.first_byte_ms', code: 'invalid_value' } })
    const unknown = await post(t, { ...hello, optiproxy: { timeouts: { forever: true } } })
    expect(unknown.status).toBe(400)
    expect(t.upstream.requests).toHaveLength(0)
  })
})

describe('an upstream that never completes the connection', () => {
  // A listener whose process is stopped (SIGSTOP) accepts nothing: once its one-entry accept queue is full, the
  // kernel drops new SYNs, so a connect hangs in SYN_SENT, as against a blackholed host, on 127.0.0.1 only.
  let listener: ChildProcess
  let port: number
  const fillers: Socket[] = []
  beforeAll(async () => {
    listener = spawn(
      process.execPath,
      ['-e', "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port))"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    port = await new Promise<number>((resolve, reject) => {
      listener.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
      listener.once('error', reject)
    })
    listener.kill('SIGSTOP')
    // fill the accept queue: these handshakes complete (the kernel queues them); any later SYN is dropped
    for (let index = 0; index < 3; index++) fillers.push(connect({ port, host: '127.0.0.1' }).on('error', () => undefined))
    await new Promise((resolve) => setTimeout(resolve, 200))
  })
  afterAll(() => {
    for (const socket of fillers) socket.destroy()
    listener.kill('SIGKILL')
  })

  it('the connect timeout fires: a 504 timeout_error, long before the first-byte deadline', async () => {
    const proxy = await startServer(
      configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: `http://127.0.0.1:${port}/v1`, connectTimeoutMs: 300, logLevel: 'silent' }),
    )
    try {
      const startedAt = Date.now()
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(hello),
        headers: { 'content-type': 'application/json' },
      })
      const elapsedMs = Date.now() - startedAt
      expect(response.status).toBe(504)
      const error = await readError(response)
      expect(error.type).toBe('timeout_error')
      expect(error.message).toMatch(/connect/i)
      // the first-byte deadline (--upstream-timeout-ms) is ten minutes: only the connect timeout ends this call
      expect(elapsedMs).toBeLessThan(10_000)
    } finally {
      await proxy.close()
    }
  })
})

describe('an upstream that dies mid-stream', () => {
  it('gives the client an error frame and is not retried once bytes were sent', async () => {
    const t = await startProxyUnderTest({ upstreamMaxRetries: 3 })
    try {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b', 'c', 'd'] }), destroyAfter: 2 }))
      const response = await post(t, { ...hello, stream: true })
      expect(response.status).toBe(200)
      const { events } = await readRawSse(response)
      const last = JSON.parse(events.at(-1)?.data ?? '{}') as { error?: { type: string } }
      expect(last.error?.type).toBe('upstream_error')
      expect(events.some((event) => event.data === '[DONE]')).toBe(false)
      expect(t.upstream.requests).toHaveLength(1)
    } finally {
      await t.close()
    }
  })
})

describe('max concurrent upstream calls', () => {
  it('queues up to the bound, then refuses with 429 and Retry-After; the queued calls run when a slot frees', async () => {
    const t = await startProxyUnderTest({ maxConcurrentUpstream: 1, maxQueuedUpstream: 1 })
    try {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['slow'] }), firstByteDelayMs: 300 }))
      const first = post(t, { ...hello, stream: true })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const second = post(t, { ...hello, stream: true })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const refused = await post(t, { ...hello, stream: true })
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(await readError(refused)).toMatchObject({ type: 'rate_limit_error', code: 'upstream_concurrency_limit' })
      for (const response of await Promise.all([first, second])) {
        expect(response.status).toBe(200)
        expect((await readRawSse(response)).events.at(-1)?.data).toBe('[DONE]')
      }
      expect(t.upstream.requests).toHaveLength(2)
    } finally {
      await t.close()
    }
  })
})

describe('request ids', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest()
  })
  afterAll(() => t.close())

  it('returns the client x-request-id on a whole answer, a stream and an error', async () => {
    const whole = await post(t, hello, { 'x-request-id': 'trace-1' })
    expect(whole.headers.get('x-request-id')).toBe('trace-1')
    const streamed = await post(t, { ...hello, stream: true }, { 'x-request-id': 'trace-2' })
    expect(streamed.headers.get('x-request-id')).toBe('trace-2')
    await streamed.text()
    const failed = await post(t, { model: 'gpt-4o' }, { 'x-request-id': 'trace-3' })
    expect(failed.status).toBe(400)
    expect(failed.headers.get('x-request-id')).toBe('trace-3')
  })

  it('makes one when the client sends none or an unusable one', async () => {
    const { response } = await t.client.chat.completions.create(hello).withResponse()
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    const odd = await post(t, hello, { 'x-request-id': 'has spaces and\ttabs' })
    expect(odd.headers.get('x-request-id')).toMatch(/^req_/)
  })

  it('the SDK sees it as the request id', async () => {
    const client = new OpenAI({ baseURL: t.baseURL, apiKey: 'sk-x', maxRetries: 0, defaultHeaders: { 'x-request-id': 'sdk-7' } })
    const { request_id } = await client.chat.completions.create(hello).withResponse()
    expect(request_id).toBe('sdk-7')
  })
})
