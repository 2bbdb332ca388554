import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletionChunks, buildErrorBody } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { readRawSse, startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

const upstreamKey = 'sk-proxy-upstream-SECRET-0123456789'
let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ openaiApiKey: upstreamKey, bodyLimitBytes: 64 * 1024 })
})
afterAll(() => t.close())
beforeEach(() => t.upstream.reset())

const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] }

/** Posts a raw body and returns the status, headers and parsed JSON, validating it as an OpenAI error. */
async function post(
  path: string,
  body: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: { error: Record<string, unknown> } }> {
  const response = await fetch(`${t.baseURL}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...init })
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const json = (await response.json()) as { error: Record<string, unknown> }
  expectSchemaValidWhenAvailable('ErrorResponse', json)
  return { status: response.status, headers: response.headers, json }
}

async function expectApiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(OpenAI.APIError)
  const apiError = error as InstanceType<typeof OpenAI.APIError>
  if (apiError.status !== undefined) expectSchemaValidWhenAvailable('ErrorResponse', { error: apiError.error })
  return apiError
}

describe('upstream errors keep their status and arrive as the OpenAI error object', () => {
  it.each([
    [400, 'invalid_request_error', 'context_length_exceeded', 'messages', OpenAI.BadRequestError],
    [401, 'invalid_request_error', 'invalid_api_key', null, OpenAI.AuthenticationError],
    [403, 'permission_error', 'unsupported_country', null, OpenAI.PermissionDeniedError],
    [404, 'invalid_request_error', 'model_not_found', 'model', OpenAI.NotFoundError],
    [409, 'conflict_error', null, null, OpenAI.ConflictError],
    [422, 'invalid_request_error', null, null, OpenAI.UnprocessableEntityError],
  ])('%i', async (status, type, code, param, ErrorClass) => {
    t.upstream.setHandler(() => ({ kind: 'json', status, body: buildErrorBody({ message: `upstream said ${status}`, type, code, param }) }))
    const error = await expectApiError(t.client.chat.completions.create(hello))
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error.status).toBe(status)
    expect(error.error).toEqual({ message: `upstream said ${status}`, type, code, param })
  })

  it('429 passes Retry-After on', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: buildErrorBody({ message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }),
    }))
    const error = await expectApiError(t.client.chat.completions.create(hello))
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.headers?.get('retry-after')).toBe('7')
  })

  it.each([
    [500, 502],
    [502, 502],
    [503, 503],
    [504, 504],
    [529, 503],
  ])('upstream %i becomes %i', async (upstreamStatus, status) => {
    t.upstream.setHandler(() => ({ kind: 'json', status: upstreamStatus, body: buildErrorBody({ message: 'The server had an error', type: 'server_error' }) }))
    const error = await expectApiError(t.client.chat.completions.create(hello))
    expect(error.status).toBe(status)
    expect(error.error).toMatchObject({ message: 'The server had an error', type: 'server_error' })
  })

  it('an HTML error page from the upstream becomes a JSON 502, never HTML', async () => {
    t.upstream.setHandler(() => ({
      kind: 'raw',
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
    }))
    const { status, json } = await post('/chat/completions', JSON.stringify(hello))
    expect(status).toBe(502)
    expect(String(json.error.message)).not.toMatch(/<html|<h1/i)
  })

  it('never echoes the upstream key, even when the upstream does', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 401,
      body: buildErrorBody({
        message: `Incorrect API key provided: ${upstreamKey}. Bearer ${upstreamKey}`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    }))
    const { status, json } = await post('/chat/completions', JSON.stringify(hello))
    expect(status).toBe(401)
    expect(JSON.stringify(json)).not.toContain('SECRET')
    expect(json.error.message).toMatch(/^Incorrect API key provided: /)
  })

  it('an unreachable upstream is a 502', async () => {
    const down = await startProxyUnderTest({ openaiBaseUrl: 'http://127.0.0.1:1/v1' })
    try {
      const error = await expectApiError(down.client.chat.completions.create(hello))
      expect(error.status).toBe(502)
      expect(error.error).toMatchObject({ code: 'upstream_unreachable' })
    } finally {
      await down.close()
    }
  })

  it('a streamed request whose upstream fails before the first byte gets the error status, not a 200 stream', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '3' },
      body: buildErrorBody({ message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }),
    }))
    const { status, headers, json } = await post('/chat/completions', JSON.stringify({ ...hello, stream: true }))
    expect(status).toBe(429)
    expect(headers.get('retry-after')).toBe('3')
    expect(json.error).toMatchObject({ message: 'slow down', code: 'rate_limit_exceeded' })
  })
})

describe('errors in the middle of a stream', () => {
  it('an upstream that dies mid-stream ends the stream with an error frame the SDK raises, and no [DONE]', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['one ', 'two ', 'three'] }), destroyAfter: 2 }))
    const stream = await t.client.chat.completions.create({ ...hello, stream: true })
    let text = ''
    const error = await (async () => {
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(text).toBe('one ')
    const raw = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    const { events } = await readRawSse(raw)
    const last = JSON.parse(events.at(-1)?.data ?? '{}') as { error?: unknown }
    expectSchemaValidWhenAvailable('ErrorResponse', last)
    expect(events.some((event) => event.data === '[DONE]')).toBe(false)
  })

  it('an error object sent by the upstream mid-stream reaches the client as an error frame', async () => {
    const events: unknown[] = buildChatCompletionChunks({ text: ['partial'] }).slice(0, 2)
    events.push({ error: { message: 'The model crashed', type: 'server_error', param: null, code: null } })
    t.upstream.setHandler(() => ({ kind: 'sse', events }))
    const raw = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    expect(raw.status).toBe(200)
    const { events: frames } = await readRawSse(raw)
    expect(JSON.parse(frames.at(-1)?.data ?? '{}')).toMatchObject({ error: { message: 'The model crashed', type: 'server_error' } })
  })

  it('an upstream stream that ends without finish_reason is reported, not passed off as complete', async () => {
    const events = buildChatCompletionChunks({ text: ['trunc', 'ated'] }).slice(0, 3)
    t.upstream.setHandler(() => ({ kind: 'sse', events, done: false }))
    const raw = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    const { events: frames } = await readRawSse(raw)
    expect(JSON.parse(frames.at(-1)?.data ?? '{}')).toMatchObject({ error: { code: 'upstream_incomplete_stream' } })
  })

  it('a malformed upstream chunk becomes an error frame, not a crash', async () => {
    const events: unknown[] = buildChatCompletionChunks({ text: ['ok'] }).slice(0, 2)
    events.push('data: {"id": not json}\n\n')
    t.upstream.setHandler(() => ({ kind: 'sse', events }))
    const raw = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    const { events: frames } = await readRawSse(raw)
    expect(JSON.parse(frames.at(-1)?.data ?? '{}')).toMatchObject({ error: { type: 'upstream_error' } })
    // and the proxy still serves
    t.upstream.reset()
    await expect(t.client.chat.completions.create(hello)).resolves.toMatchObject({ object: 'chat.completion' })
  })
})

describe('bad requests are 4xx OpenAI errors that name the parameter', () => {
  it('invalid JSON is a 400', async () => {
    const { status, json } = await post('/chat/completions', '{"model": "gpt-4o", ')
    expect(status).toBe(400)
    expect(json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null })
  })

  it.each([
    [{ messages: [{ role: 'user', content: 'hi' }] }, 'model', 'missing_required_parameter'],
    [{ model: 'gpt-4o' }, 'messages', 'missing_required_parameter'],
    [{ model: 'gpt-4o', messages: [] }, 'messages', 'invalid_value'],
    [{ model: 'gpt-4o', messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role', 'invalid_value'],
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content', 'invalid_value'],
    [
      { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages[0].content[0].image_url.url',
      'missing_required_parameter',
    ],
    [{ model: 'gpt-4o', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', 'missing_required_parameter'],
    [{ ...hello, temperature: 'hot' }, 'temperature', 'invalid_value'],
    [{ ...hello, temperature: 3 }, 'temperature', 'invalid_value'],
    [{ ...hello, max_tokens: -5 }, 'max_tokens', 'invalid_value'],
    [{ ...hello, n: 0 }, 'n', 'invalid_value'],
    [{ ...hello, stream: 'yes' }, 'stream', 'invalid_value'],
    [{ ...hello, tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', 'missing_required_parameter'],
    [{ ...hello, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice', 'invalid_value'],
    [{ ...hello, response_format: { type: 'yaml' } }, 'response_format.type', 'invalid_value'],
    [{ ...hello, functions: [{ name: 'f' }] }, 'functions', 'invalid_value'],
  ])('%j → param %s', async (body, param, code) => {
    const { status, json } = await post('/chat/completions', JSON.stringify(body))
    expect(status).toBe(400)
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param, code })
    expect(t.upstream.requests).toHaveLength(0)
  })

  it('an oversized body is a 413', async () => {
    const { status, json } = await post('/chat/completions', JSON.stringify({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }))
    expect(status).toBe(413)
    expect(json.error).toMatchObject({ code: 'request_too_large' })
  })

  it('a chunked body (no Content-Length) is limited too, and a small one is accepted', async () => {
    const chunked = (text: string) =>
      fetch(`${t.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
    const tooLarge = await chunked(JSON.stringify({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }))
    expect(tooLarge.status).toBe(413)
    expectSchemaValidWhenAvailable('ErrorResponse', await tooLarge.json())
    const small = await chunked(JSON.stringify(hello))
    expect(small.status).toBe(200)
  })

  it('unknown paths are JSON 404s and wrong methods JSON 405s with Allow', async () => {
    const notFound = await post('/responsez', '{}')
    expect(notFound.status).toBe(404)
    expect(notFound.json.error).toMatchObject({ code: 'unknown_url' })
    const wrongMethod = await fetch(`${t.baseURL}/chat/completions`, { method: 'GET' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    expectSchemaValidWhenAvailable('ErrorResponse', await wrongMethod.json())
    const root = await fetch(`${t.proxy.url}/`)
    expect(root.status).toBe(404)
    expect(root.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('the retired Assistants API answers 404 and points to its replacements', async () => {
    for (const path of ['/assistants', '/assistants/asst_1', '/threads', '/threads/thread_1/runs']) {
      const { status, json } = await post(path, '{}')
      expect(status).toBe(404)
      expect(json.error.message).toMatch(/Assistants API was retired/)
      expect(json.error.message).toMatch(/\/v1\/responses/)
      expect(json.error.message).toMatch(/\/v1\/chat\/completions/)
    }
  })
})
