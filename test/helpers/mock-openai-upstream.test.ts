import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  buildChatCompletion,
  buildChatCompletionChunks,
  buildDefaultReply,
  buildErrorBody,
  buildTextCompletionChunks,
  startMockOpenAIUpstream,
  type ChatCompletionChunkPayload,
  type MockUpstream,
} from './mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from './openapi.js'

let mock: MockUpstream
let client: OpenAI

/** Polls `condition` every 5 ms until it holds, failing after `timeoutMs`. */
async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Reads a raw SSE body into its `data:` payloads. */
function parseSseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
}

beforeAll(async () => {
  mock = await startMockOpenAIUpstream()
  client = new OpenAI({ baseURL: mock.url, apiKey: 'test', maxRetries: 0 })
})

afterEach(() => {
  mock.reset()
})

afterAll(async () => {
  await mock.close()
})

describe('startMockOpenAIUpstream', () => {
  it('listens on 127.0.0.1 with an OpenAI base URL', () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
  })

  it('serves a chat completion to the official SDK and records the request', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.model).toBe('gpt-4o-mini')
    expect(completion.choices[0]?.message.content).toBe('Hello! How can I help you today?')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage?.total_tokens).toBeGreaterThan(0)
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)

    expect(mock.requests).toHaveLength(1)
    const [request] = mock.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/v1/chat/completions')
    expect(request?.headers.authorization).toBe('Bearer test')
    expect(request?.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] })
    expect(JSON.parse(request?.rawBody ?? '')).toEqual(request?.body)
  })

  it('serves n > 1 choices', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], n: 2 })
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1])
  })

  it('streams text and a tool call that the SDK reassembles', async () => {
    mock.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({
        text: ['Let me ', 'check.'],
        toolCalls: [{ id: 'call_weather', name: 'get_weather', argumentsChunks: ['{"city":', '"Paris"', '}'] }],
        includeUsage: true,
        usage: { promptTokens: 30, completionTokens: 12 },
      }),
    }))
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    const toolCall = { id: '', name: '', arguments: '' }
    let finishReason: string | null = null
    let usageTotal: number | undefined
    for await (const chunk of stream) {
      expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
      if (chunk.usage) usageTotal = chunk.usage.total_tokens
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? ''
        for (const fragment of choice.delta.tool_calls ?? []) {
          toolCall.id += fragment.id ?? ''
          toolCall.name += fragment.function?.name ?? ''
          toolCall.arguments += fragment.function?.arguments ?? ''
        }
        finishReason = choice.finish_reason ?? finishReason
      }
    }
    expect(text).toBe('Let me check.')
    expect(toolCall).toEqual({ id: 'call_weather', name: 'get_weather', arguments: '{"city":"Paris"}' })
    expect(finishReason).toBe('tool_calls')
    expect(usageTotal).toBe(42)
  })

  it('streams chunks that the SDK stream helper accumulates into a final completion', async () => {
    mock.setHandler(() => ({
      kind: 'sse',
      delayMs: 2,
      events: buildChatCompletionChunks({
        toolCalls: [
          { name: 'lookup', argumentsChunks: ['{"q":', '"a"}'] },
          { name: 'lookup', argumentsChunks: ['{"q":"b"}'] },
        ],
      }),
    }))
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
    const final = await stream.finalChatCompletion()
    const message = final.choices[0]?.message
    expect(message?.content).toBeNull()
    expect(message?.tool_calls?.map((call) => (call.type === 'function' ? call.function.arguments : ''))).toEqual(['{"q":"a"}', '{"q":"b"}'])
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('streams by default when the request says stream: true, with a usage chunk on include_usage', async () => {
    const response = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const data = parseSseData(await response.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((item) => JSON.parse(item) as ChatCompletionChunkPayload)
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null })
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true)
    const usageChunk = chunks.at(-1)
    expect(usageChunk?.choices).toEqual([])
    expect(usageChunk?.usage?.total_tokens).toBeGreaterThan(0)
    for (const chunk of chunks) expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
  })

  it('serves legacy completions, plain and streamed', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' })
    expect(completion.object).toBe('text_completion')
    expect(completion.choices[0]?.text).toBe('\n\nThis is a test.')
    expectSchemaValidWhenAvailable('CreateCompletionResponse', completion)

    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', stream: true })
    let text = ''
    let finishReason: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? ''
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason
    }
    expect(text).toBe('\n\nThis is a test.')
    expect(finishReason).toBe('stop')
    expect(buildTextCompletionChunks({ includeUsage: true }).at(-1)?.choices).toEqual([])
  })

  it('lists models', async () => {
    const ids: string[] = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toContain('gpt-4o-mini')
    const model = await client.models.retrieve('gpt-4o')
    expect(model).toMatchObject({ id: 'gpt-4o', object: 'model' })
    expectSchemaValidWhenAvailable('Model', model)
  })

  it('answers unknown routes with a 404 OpenAI error body', async () => {
    const response = await fetch(`${mock.url}/nope`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(404)
    const body: unknown = await response.json()
    expect(body).toEqual(buildErrorBody({ message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error' }))
    expectSchemaValidWhenAvailable('ErrorResponse', body)
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('answers a request without model with a 400', async () => {
    await expect(client.chat.completions.create({ model: '', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.BadRequestError)
  })

  it('surfaces a 429 reply as OpenAI.RateLimitError with its headers', async () => {
    mock.setHandler(() => ({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: buildErrorBody({ message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' }),
    }))
    const error: unknown = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    if (!(error instanceof OpenAI.RateLimitError)) return
    expect(error.status).toBe(429)
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.headers.get('retry-after')).toBe('7')
    expect(mock.requests).toHaveLength(1)
  })

  it('counts a hanging request aborted by the client as closed early', async () => {
    mock.setHandler(() => ({ kind: 'hang' }))
    const controller = new AbortController()
    const pending = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
    const settled = pending.catch((caught: unknown) => caught)
    await waitUntil(() => mock.requests.length === 1)
    expect(mock.inFlight).toBe(1)
    expect(mock.closedEarly).toBe(0)
    controller.abort()
    await mock.waitForClosed(1, 2000)
    expect(mock.closedEarly).toBe(1)
    expect(await settled).toBeInstanceOf(OpenAI.APIUserAbortError)
    await waitUntil(() => mock.inFlight === 0)
  })

  it('rejects waitForClosed on timeout', async () => {
    await expect(mock.waitForClosed(1, 30)).rejects.toThrow(/timed out after 30 ms/)
  })

  it('makes the SDK stream throw when destroyAfter kills the socket mid-stream', async () => {
    mock.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b', 'c', 'd'] }), destroyAfter: 3 }))
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    const received: string[] = []
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '')
    }
    await expect(consume()).rejects.toThrow()
    expect(received).toEqual(['', 'a', 'b'])
    expect(mock.closedEarly).toBe(0) // the mock hung up, not the client
  })

  it('writes string events verbatim, so malformed chunks reach the client', async () => {
    mock.setHandler(() => ({ kind: 'sse', events: [': keep-alive\n\n', 'data: {"id":"broken\n\n'], done: false }))
    const response = await fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{}' })
    expect(await response.text()).toBe(': keep-alive\n\ndata: {"id":"broken\n\n')

    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true })
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) expect(chunk).toBeDefined()
    }
    const sdkLog = vi.spyOn(console, 'error').mockImplementation(() => undefined) // the SDK logs the bad chunk
    try {
      await expect(consume()).rejects.toThrow(SyntaxError)
    } finally {
      sdkLog.mockRestore()
    }
  })

  it('counts a client that aborts mid-stream as closed early', async () => {
    mock.setHandler(() => ({ kind: 'sse', delayMs: 20, events: buildChatCompletionChunks({ text: Array.from({ length: 50 }, () => 'x') }) }))
    const controller = new AbortController()
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true },
      { signal: controller.signal },
    )
    let received = 0
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) {
        expect(chunk.object).toBe('chat.completion.chunk')
        received += 1
        if (received === 2) controller.abort()
      }
    }
    // The SDK's stream iterator ends quietly (no throw) when its request is aborted.
    await consume()
    expect(received).toBe(2)
    await mock.waitForClosed(1, 2000)
    expect(mock.closedEarly).toBe(1)
    await waitUntil(() => mock.inFlight === 0)
  })

  it('honours firstByteDelayMs and delayMs', async () => {
    mock.setHandler(() => ({ kind: 'sse', events: [{ n: 1 }, { n: 2 }, { n: 3 }], firstByteDelayMs: 80, delayMs: 40 }))
    const started = Date.now()
    const response = await fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{}' })
    const headersAfter = Date.now() - started
    const body = await response.text()
    const totalAfter = Date.now() - started
    expect(headersAfter).toBeGreaterThanOrEqual(70)
    expect(totalAfter - headersAfter).toBeGreaterThanOrEqual(100) // 2 gaps between events + 1 before [DONE]
    expect(parseSseData(body)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '[DONE]'])
  })

  it('sends raw replies as given', async () => {
    mock.setHandler(() => ({ kind: 'raw', status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' }))
    const response = await fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(await response.text()).toBe('<html>Bad gateway</html>')
  })

  it('turns a throwing handler into a 500 error body, and handlers can fall back to the default', async () => {
    mock.setHandler(() => {
      throw new Error('boom')
    })
    const failed = await fetch(`${mock.url}/models`)
    expect(failed.status).toBe(500)
    expect(await failed.json()).toMatchObject({ error: { message: 'Mock handler failed: boom', type: 'server_error' } })

    mock.setHandler(async (request) =>
      request.path.endsWith('/chat/completions') ? { kind: 'json', body: buildChatCompletion({ content: 'custom', model: 'm' }) } : buildDefaultReply(request),
    )
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
    expect(completion.choices[0]?.message.content).toBe('custom')
    const models = await client.models.list()
    expect(models.data.length).toBeGreaterThan(0)
  })

  it('reset() clears requests and restores the default handler', async () => {
    mock.setHandler(() => ({ kind: 'json', status: 418, body: {} }))
    await fetch(`${mock.url}/models`)
    expect(mock.requests).toHaveLength(1)
    mock.reset()
    expect(mock.requests).toHaveLength(0)
    const response = await fetch(`${mock.url}/models`)
    expect(response.status).toBe(200)
  })

  it('close() ends hanging connections and stops listening', async () => {
    const other = await startMockOpenAIUpstream()
    other.setHandler(() => ({ kind: 'hang' }))
    const pending = fetch(`${other.url}/models`).catch((caught: unknown) => caught)
    await waitUntil(() => other.requests.length === 1)
    await other.close()
    expect(await pending).toBeInstanceOf(Error)
    expect(other.closedEarly).toBe(0)
    await expect(fetch(`${other.url}/models`)).rejects.toThrow()
  })
})
