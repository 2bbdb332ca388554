import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, buildErrorBody, type MockReply } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] }

describe('talking to an OpenAI-compatible upstream', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest({ upstreamTimeoutMs: 500 })
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())

  it('reuses keep-alive connections across requests, streamed and not', async () => {
    for (let index = 0; index < 5; index++) {
      await t.client.chat.completions.create(hello)
      for await (const chunk of await t.client.chat.completions.create({ ...hello, stream: true })) void chunk
    }
    expect(t.upstream.requests).toHaveLength(10)
    expect(t.upstream.connections).toBe(1)
  })

  it('reads a gzip-compressed answer', async () => {
    const body = gzipSync(JSON.stringify(buildChatCompletion({ content: 'compressed' })))
    t.upstream.setHandler(() => ({ kind: 'raw', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body }))
    const completion = await t.client.chat.completions.create(hello)
    expect(completion.choices[0]?.message.content).toBe('compressed')
  })

  it.each([
    ['Ollama', 404, { error: 'model "llama9" not found, try pulling it first' }, 'model "llama9" not found, try pulling it first'],
    ['FastAPI (vLLM)', 400, { detail: 'max_tokens must be at least 1' }, 'max_tokens must be at least 1'],
    ['a bare message', 422, { message: 'bad input' }, 'bad input'],
  ])('maps %s error bodies to the OpenAI error object', async (_name, status, body, message) => {
    t.upstream.setHandler(() => ({ kind: 'json', status, body }))
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(hello),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(status)
    const json = await response.json()
    expectSchemaValidWhenAvailable('ErrorResponse', json)
    expect(json).toMatchObject({ error: { message } })
  })

  it('a 200 that carries an error object is an error, not an empty answer', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildErrorBody({ message: 'Provider returned error', type: 'upstream_error', code: '502' }) }))
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 502, error: { message: 'Provider returned error' } })
  })

  it('an answer that is not a chat completion is a 502 that says so', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: { choices: [{ index: 0, message: { content: 42 } }] } }))
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 502, error: { code: 'upstream_invalid_response' } })
    t.upstream.setHandler(() => ({ kind: 'raw', headers: { 'content-type': 'application/json' }, body: 'not json' }))
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 502, error: { code: 'upstream_invalid_response' } })
  })

  it('an upstream that answers a stream request with one JSON completion is streamed anyway', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'whole' }) }))
    let text = ''
    for await (const chunk of await t.client.chat.completions.create({ ...hello, stream: true })) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('whole')
  })

  it('an upstream that does not start answering within the timeout is a 504, and its connection is closed', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 504, error: { code: 'upstream_timeout' } })
    await t.upstream.waitForClosed(1, 5_000)
  })

  it('sends a base URL query (Azure api-version) with every call', async () => {
    const azure = await startProxyUnderTest()
    try {
      const withQuery = await startProxyUnderTest({ openaiBaseUrl: `${azure.upstream.url}?api-version=2024-10-21` })
      try {
        await withQuery.client.chat.completions.create(hello)
        expect(withQuery.upstream.requests).toHaveLength(0)
        expect(azure.upstream.requests[0]?.path).toBe('/v1/chat/completions?api-version=2024-10-21')
      } finally {
        await withQuery.close()
      }
    } finally {
      await azure.close()
    }
  })
})

describe('retries (OPTIPROXY_UPSTREAM_MAX_RETRIES)', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest({ upstreamMaxRetries: 2 })
  })
  afterAll(() => t.close())
  afterEach(() => t.upstream.reset())

  /** Answers the given replies in order, then a normal completion. */
  function script(...replies: MockReply[]): void {
    t.upstream.setHandler(
      (request) =>
        replies.shift() ??
        ((request.body as { stream?: boolean }).stream
          ? { kind: 'sse', events: buildChatCompletionChunks({ text: ['ok'] }) }
          : { kind: 'json', body: buildChatCompletion({ content: 'ok' }) }),
    )
  }
  const rateLimited = (retryAfter: string): MockReply => ({
    kind: 'json',
    status: 429,
    headers: { 'retry-after': retryAfter },
    body: buildErrorBody({ message: 'slow down', type: 'requests' }),
  })
  const serverError: MockReply = { kind: 'json', status: 500, body: buildErrorBody({ message: 'oops', type: 'server_error' }) }

  it('retries 429 (honouring Retry-After) and 5xx before answering', async () => {
    script(rateLimited('0'), serverError)
    const completion = await t.client.chat.completions.create(hello)
    expect(completion.choices[0]?.message.content).toBe('ok')
    expect(t.upstream.requests).toHaveLength(3)
  })

  it('retries a stream before its first byte', async () => {
    script(serverError)
    let text = ''
    for await (const chunk of await t.client.chat.completions.create({ ...hello, stream: true })) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('ok')
    expect(t.upstream.requests).toHaveLength(2)
  })

  it('gives up after the configured retries with the last error', async () => {
    script(serverError, serverError, serverError, serverError)
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 502 })
    expect(t.upstream.requests).toHaveLength(3)
  })

  it('does not retry client errors, nor wait out a Retry-After longer than a minute', async () => {
    script({ kind: 'json', status: 400, body: buildErrorBody({ message: 'bad', type: 'invalid_request_error' }) })
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 400 })
    expect(t.upstream.requests).toHaveLength(1)
    t.upstream.reset()
    script(rateLimited('3600'))
    await expect(t.client.chat.completions.create(hello)).rejects.toMatchObject({ status: 429 })
    expect(t.upstream.requests).toHaveLength(1)
  })

  it('never retries once the stream has started', async () => {
    script({ kind: 'sse', events: buildChatCompletionChunks({ text: ['one ', 'two'] }), destroyAfter: 2 })
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    const text = await response.text()
    expect(text).toContain('"error"')
    expect(t.upstream.requests).toHaveLength(1)
  })
})
