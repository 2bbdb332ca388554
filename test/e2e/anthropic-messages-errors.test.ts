import Anthropic from '@anthropic-ai/sdk'
import { beforeAll, describe, expect, it } from 'vitest'
import { replyAsCurrentAnthropic } from '../helpers/anthropic-current-shapes.js'
import { errorBodySchema, requestTooLargeBodySchema, tokenCountSchema, validateMessageStream } from '../helpers/anthropic-response-schemas.js'
import { buildAnthropicError } from '../helpers/mock-anthropic-upstream.js'
import { buildGeminiError, buildGeminiTextChunks, replyWithGeminiEvents } from '../helpers/mock-gemini-upstream.js'
import { buildChatCompletionChunks, buildErrorBody } from '../helpers/mock-openai-upstream.js'
import { readRawSse } from '../helpers/start-proxy.js'
import { type MessagesProxyUnderTest, useMessagesProxy } from '../helpers/start-messages-proxy.js'

const keys = { full: 'sk-proxy-full-0123456789', narrow: 'sk-proxy-narrow-0123456789' }
const hello = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })

describe('/v1/messages errors, limits, cancellation and count_tokens', () => {
  const t = useMessagesProxy({
    extraYaml: ['api_keys:', `  - { name: full, key: ${keys.full} }`, `  - { name: narrow, key: ${keys.narrow}, models: [gpt-4o-mini] }`],
    env: { OPTIPROXY_BODY_LIMIT: '64kb', OPTIPROXY_KEEPALIVE_MS: '200' },
    clientKey: keys.full,
  })
  let narrow: Anthropic
  const post = (body: unknown, headers: Record<string, string> = {}, path = '/v1/messages') =>
    fetch(`${t.proxy.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': keys.full, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  beforeAll(() => {
    narrow = new Anthropic({ baseURL: t.proxy.url, apiKey: keys.narrow, maxRetries: 0 })
  })

  const badBodies: Array<[string, unknown, RegExp]> = [
    ['missing max_tokens', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, /max_tokens/],
    ['empty content', { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: [] }] }, /non-empty content/],
    ['empty message list', { model: 'gpt-4o-mini', max_tokens: 10, messages: [] }, /messages/],
    [
      'a tool_result that answers no tool_use',
      { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nowhere', content: 'x' }] }] },
      /toolu_nowhere/,
    ],
    [
      'an unknown block type',
      { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'hologram', data: 'x' }] }] },
      /messages\[0\]\.content\[0\]/,
    ],
    [
      'a tool_use block from the user',
      { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] }] },
      /tool_use/,
    ],
    ['a wrong role', { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'tool', content: 'x' }] }, /role/],
    ['an unknown approach prefix', { model: 'nosuch&moa-gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }, /nosuch/],
    ['a body that is not JSON', '{"model":', /JSON/],
  ]
  for (const [name, body, message] of badBodies) {
    it(`400 invalid_request_error for ${name}, before any upstream call`, async () => {
      const response = await post(body)
      expect(response.status).toBe(400)
      const parsed = errorBodySchema.parse(await response.json())
      expect(parsed.error.type).toBe('invalid_request_error')
      expect(parsed.error.message).toMatch(message)
      expect(parsed.request_id).toBe(response.headers.get('x-request-id'))
      expect(t.openai.requests.length + t.anthropic.requests.length + t.gemini.requests.length).toBe(0)
    })
  }

  it('the SDK raises its own error classes for each status, with Anthropic error types', async () => {
    await expect(
      t.client.messages.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError)

    const wrongKey = new Anthropic({ baseURL: t.proxy.url, apiKey: 'sk-proxy-wrong-0123456789', maxRetries: 0 })
    await expect(wrongKey.messages.create(hello('gpt-4o-mini'))).rejects.toMatchObject({ status: 401, type: 'authentication_error' })
    await expect(wrongKey.messages.create(hello('gpt-4o-mini'))).rejects.toBeInstanceOf(Anthropic.AuthenticationError)
    // Authorization: Bearer works as well as x-api-key
    const bearer = new Anthropic({ baseURL: t.proxy.url, apiKey: null, authToken: keys.full, maxRetries: 0 })
    expect((await bearer.messages.create(hello('gpt-4o-mini'))).type).toBe('message')

    await expect(narrow.messages.create(hello('gemini-2.5-flash'))).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError)
    await expect(narrow.messages.create(hello('gemini-2.5-flash'))).rejects.toMatchObject({ status: 403, type: 'permission_error' })
  })

  const upstreamFailures: Array<{ status: number; expected: number; type: string; model: string; setup: (t: MessagesProxyUnderTest) => void }> = [
    {
      status: 404,
      expected: 404,
      type: 'not_found_error',
      model: 'gpt-4o-nope',
      setup: (t) =>
        t.openai.setHandler(() => ({
          kind: 'json',
          status: 404,
          body: buildErrorBody({ message: 'The model does not exist', type: 'invalid_request_error', code: 'model_not_found' }),
        })),
    },
    {
      status: 429,
      expected: 429,
      type: 'rate_limit_error',
      model: 'gpt-4o-mini',
      setup: (t) =>
        t.openai.setHandler(() => ({
          kind: 'json',
          status: 429,
          headers: { 'retry-after': '7' },
          body: buildErrorBody({ message: 'Slow down', type: 'rate_limit_error' }),
        })),
    },
    {
      status: 500,
      expected: 502,
      type: 'api_error',
      model: 'gemini-2.5-flash',
      setup: (t) => t.gemini.setHandler(() => ({ kind: 'json', status: 500, body: buildGeminiError(500, 'INTERNAL', 'Internal error') })),
    },
    {
      status: 529,
      expected: 529,
      type: 'overloaded_error',
      model: 'moa-claude-sonnet-4-5',
      setup: (t) => t.anthropic.setHandler(() => ({ kind: 'json', status: 529, body: buildAnthropicError('overloaded_error', 'Overloaded') })),
    },
    {
      status: 529,
      expected: 529,
      type: 'overloaded_error',
      model: 'claude-sonnet-4-5',
      setup: (t) => t.anthropic.setHandler(() => ({ kind: 'json', status: 529, body: buildAnthropicError('overloaded_error', 'Overloaded') })),
    },
  ]
  for (const failure of upstreamFailures) {
    it(`an upstream ${failure.status} on ${failure.model} is a ${failure.expected} ${failure.type}, streamed or not`, async () => {
      failure.setup(t)
      for (const stream of [false, true]) {
        const response = await post({ ...hello(failure.model), stream })
        expect(response.status).toBe(failure.expected)
        const body = errorBodySchema.parse(await response.json())
        expect(body.error.type).toBe(failure.type)
        if (failure.status === 429) expect(response.headers.get('retry-after')).toBe('7')
      }
      const error = await t.client.messages.create(hello(failure.model)).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(Anthropic.APIError)
      expect(error).toMatchObject({ status: failure.expected, type: failure.type })
    })
  }

  it('413 request_too_large for a body over the limit', async () => {
    const response = await post({ ...hello('gpt-4o-mini'), messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] })
    expect(response.status).toBe(413)
    expect(requestTooLargeBodySchema.parse(await response.json()).error.type).toBe('request_too_large')
  })

  it('a quiet stream is kept alive with ping events, which the SDK skips', async () => {
    t.openai.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['late'] }), firstByteDelayMs: 1200 }))
    const response = await post({ ...hello('gpt-4o-mini'), stream: true })
    const raw = await readRawSse(response)
    expect(raw.comments).toEqual([])
    validateMessageStream(raw.events)
    // a ping goes out after message_start in any case; more came while the upstream was silent (keep-alive 200 ms)
    expect(raw.events.filter((event) => event.event === 'ping').length).toBeGreaterThanOrEqual(3)
    const final = await t.client.messages.stream(hello('gpt-4o-mini')).finalMessage()
    expect(final.content).toEqual([{ type: 'text', text: 'late', citations: null }])
  })

  it('405 in the Anthropic shape for a GET', async () => {
    const response = await fetch(`${t.proxy.url}/v1/messages`, { headers: { 'x-api-key': keys.full } })
    expect(response.status).toBe(405)
    expect(errorBodySchema.parse(await response.json()).error.type).toBe('invalid_request_error')
    // the Message Batches API is not served: a 404 in the Anthropic shape
    const batches = await post({}, {}, '/v1/messages/batches')
    expect(batches.status).toBe(404)
    expect(errorBodySchema.parse(await batches.json()).error.type).toBe('not_found_error')
  })

  it("accepts Claude Code's ?beta=true, anthropic-version and anthropic-beta", async () => {
    const response = await post(
      hello('gpt-4o-mini'),
      { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' },
      '/v1/messages?beta=true',
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { type: string }).type).toBe('message')
  })

  it('a failure after the stream started is an `event: error` frame that the SDK raises', async () => {
    t.openai.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['one ', 'two ', 'three'] }), destroyAfter: 2 }))
    const response = await post({ ...hello('gpt-4o-mini'), stream: true })
    const raw = await readRawSse(response)
    const last = raw.events.at(-1)
    expect(last?.event).toBe('error')
    expect(errorBodySchema.parse(JSON.parse(last?.data ?? '{}')).error.type).toBe('api_error')
    const stream = t.client.messages.stream(hello('gpt-4o-mini'))
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError)
  })

  for (const [model, mock] of [
    ['gpt-4o-mini', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['gemini-2.5-flash', 'gemini'],
  ] as const) {
    it(`aborting mid-stream on ${model} closes the upstream call`, async () => {
      const upstream = t[mock]
      if (mock === 'openai')
        upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 50 }, () => 'tick ') }), delayMs: 100 }))
      else if (mock === 'gemini')
        upstream.setHandler(() => ({ ...replyWithGeminiEvents(buildGeminiTextChunks(Array.from({ length: 50 }, () => 'tick '))), delayMs: 100 }))
      else {
        const events = Array.from({ length: 50 }, () => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'tick ' } }))
        upstream.setHandler(() => ({
          kind: 'sse',
          done: false,
          delayMs: 100,
          events: [
            {
              type: 'message_start',
              message: {
                id: 'msg_1',
                type: 'message',
                role: 'assistant',
                model: 'claude-sonnet-4-5',
                content: [],
                stop_reason: null,
                stop_sequence: null,
                usage: { input_tokens: 1, output_tokens: 1 },
              },
            },
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
            ...events,
          ].map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
        }))
      }
      const stream = t.client.messages.stream(hello(model))
      const ended = new Promise<string>((resolve) => {
        stream.on('abort', () => resolve('abort'))
        stream.on('error', () => resolve('error'))
      })
      await new Promise<void>((resolve) => stream.on('text', () => resolve()))
      stream.abort()
      expect(await ended).toBe('abort')
      await upstream.waitForClosed(1, 5000)
      expect(upstream.closedEarly).toBe(1)
    })
  }

  it('aborting an approach mid-stream closes every upstream call it has open', async () => {
    t.openai.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 50 }, () => 'tick ') }), delayMs: 100 }))
    const stream = t.client.messages.stream({ ...hello('moa-gpt-4o-mini'), max_tokens: 64 })
    const ended = new Promise<string>((resolve) => {
      stream.on('abort', () => resolve('abort'))
      stream.on('error', () => resolve('error'))
    })
    // moa's proposals run in parallel; wait until they are all under way, then leave
    await expect.poll(() => t.openai.inFlight, { timeout: 5000 }).toBeGreaterThanOrEqual(3)
    stream.abort()
    expect(await ended).toBe('abort')
    await expect.poll(() => t.openai.inFlight, { timeout: 5000 }).toBe(0)
    expect(t.openai.closedEarly).toBe(t.openai.requests.length)
  })

  it('count_tokens asks Anthropic for an Anthropic model, and estimates for others (marked as an estimate)', async () => {
    t.anthropic.setHandler((request) => {
      if (request.path.startsWith('/v1/messages/count_tokens')) return { kind: 'json', body: { input_tokens: 1234 } }
      return replyAsCurrentAnthropic(request)
    })
    const body = {
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'Hello there, how are you?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }],
    }
    const counted = await t.client.messages.countTokens(body)
    expect(tokenCountSchema.parse(counted)).toEqual({ input_tokens: 1234 })
    const sent = t.anthropic.requests[0]
    expect(sent?.path).toBe('/v1/messages/count_tokens')
    expect(sent?.body).toEqual(body)

    const estimated = await t.client.messages.countTokens({ ...body, model: 'gpt-4o-mini' }).withResponse()
    expect(estimated.response.headers.get('x-optiproxy-token-count')).toBe('estimate')
    tokenCountSchema.parse(estimated.data)
    expect(estimated.data.input_tokens).toBeGreaterThan(10)
    expect(estimated.data.input_tokens).toBeLessThan(100)
    const longer = await t.client.messages.countTokens({
      ...body,
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hello there, how are you? '.repeat(100) }],
    })
    expect(longer.input_tokens).toBeGreaterThan(estimated.data.input_tokens + 500)
    // an approach's calls cannot be foreseen: an estimate, never a generation
    const approach = await t.client.messages.countTokens({ ...body, model: 'moa-claude-sonnet-4-5' }).withResponse()
    expect(approach.response.headers.get('x-optiproxy-token-count')).toBe('estimate')
    expect(t.openai.requests.length + t.gemini.requests.length).toBe(0)
    expect(t.anthropic.requests).toHaveLength(1)

    const bad = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [] }] }, {}, '/v1/messages/count_tokens')
    expect(bad.status).toBe(400)
    errorBodySchema.parse(await bad.json())
  })
})
