import { request as httpRequest } from 'node:http'
import type { Config } from '../../src/config.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'
import { readRawSse, startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest

const upstreamBody = (index = -1): Record<string, unknown> => (t.upstream.requests.at(index) as RecordedRequest).body as Record<string, unknown>

const post = (path: string, body: unknown): Promise<Response> =>
  fetch(`${t.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify(body),
  })
const get = (path: string): Promise<Response> => fetch(`${t.baseURL}${path}`, { headers: { authorization: 'Bearer sk-client-key' } })

/** Each event type's own schema, for readable failures (the union's errors list every alternative). */
const eventSchemas: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.queued': 'ResponseQueuedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.failed': 'ResponseFailedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.refusal.delta': 'ResponseRefusalDeltaEvent',
  'response.refusal.done': 'ResponseRefusalDoneEvent',
  'response.reasoning_text.delta': 'ResponseReasoningTextDeltaEvent',
  'response.reasoning_text.done': 'ResponseReasoningTextDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
  error: 'ResponseErrorEvent',
}

/** Parses raw SSE and checks every event: schema, `event:` name = type, sequence numbers counting up by one. */
async function readResponseEvents(response: Response): Promise<Array<Record<string, unknown> & { type: string; sequence_number: number }>> {
  const { events } = await readRawSse(response)
  const parsed = events.map((event) => {
    const data = JSON.parse(event.data) as Record<string, unknown> & { type: string; sequence_number: number }
    expect(event.event).toBe(data.type)
    expectSchemaValidWhenAvailable(eventSchemas[data.type] ?? 'ResponseStreamEvent', data)
    expectSchemaValidWhenAvailable('ResponseStreamEvent', data)
    return data
  })
  parsed.forEach((event, index) => {
    if (index > 0) expect(event.sequence_number).toBe((parsed[index - 1] as { sequence_number: number }).sequence_number + 1)
  })
  return parsed
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 400 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(condition()).toBe(true)
}

async function waitForStatus(id: string, statuses: string[]): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const response = (await t.client.responses.retrieve(id)) as unknown as Record<string, unknown>
    if (statuses.includes(response.status as string)) return response
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`response ${id} never reached ${statuses.join('/')}`)
}

/** The whole suite, run against the in-memory store and against Redis (one instance; see responses-redis for two). */
function defineResponsesSuite(settings: Partial<Config>): void {
  beforeAll(async () => {
    t = await startProxyUnderTest({ keepAliveMs: 200, ...settings })
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())

  describe('POST /v1/responses (non-streaming)', () => {
    it('answers with a spec-valid response object, usage in the Responses shape, and the upstream got a Chat request', async () => {
      t.upstream.setHandler(() => ({
        kind: 'json',
        body: buildChatCompletion({ model: 'gpt-4o-mini-2024-07-18', content: 'Paris.', usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 4 } }),
      }))
      const response = await t.client.responses.create({
        model: 'gpt-4o-mini',
        instructions: 'Be brief.',
        input: 'Capital of France?',
        max_output_tokens: 64,
        temperature: 0.3,
        metadata: { team: 'a' },
      })
      expectSchemaValidWhenAvailable('Response', response)
      expect(response.id).toMatch(/^resp_/)
      expect(response.status).toBe('completed')
      expect(response.model).toBe('gpt-4o-mini-2024-07-18')
      expect(response.output_text).toBe('Paris.')
      expect(response.output).toHaveLength(1)
      expect(response.output[0]).toMatchObject({
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Paris.', annotations: [] }],
      })
      expect(response.usage).toEqual({
        input_tokens: 12,
        input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
        output_tokens: 3,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 15,
      })
      expect(response.metadata).toEqual({ team: 'a' })
      expect(upstreamBody()).toMatchObject({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
        max_completion_tokens: 64,
        temperature: 0.3,
      })
    })

    it('returns function calls as function_call items and continues with previous_response_id and function_call_output', async () => {
      t.upstream.setHandler(() => ({
        kind: 'json',
        body: buildChatCompletion({ toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] }),
      }))
      const tools = [
        {
          type: 'function' as const,
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      ]
      const first = await t.client.responses.create({
        model: 'gpt-4o-mini',
        input: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        tool_choice: 'auto',
      })
      expectSchemaValidWhenAvailable('Response', first)
      expect(first.output).toEqual([
        expect.objectContaining({ type: 'function_call', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }),
      ])
      expect(upstreamBody()).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather' } }], tool_choice: 'auto' })

      t.upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'Sunny, 21 C.' }) }))
      const second = await t.client.responses.create({
        model: 'gpt-4o-mini',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'call_abc', output: '{"temp":21}' }],
        tools,
      })
      expectSchemaValidWhenAvailable('Response', second)
      expect(second.previous_response_id).toBe(first.id)
      expect(second.output_text).toBe('Sunny, 21 C.')
      expect(upstreamBody().messages).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_abc', content: '{"temp":21}' },
      ])
    })

    it('retrieves, lists input items and deletes a stored response; store:false keeps nothing', async () => {
      const created = await t.client.responses.create({
        model: 'gpt-4o-mini',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'one' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            ],
          },
        ],
      })
      const retrieved = await t.client.responses.retrieve(created.id)
      expectSchemaValidWhenAvailable('Response', retrieved)
      expect(retrieved.id).toBe(created.id)
      expect(retrieved.output_text).toBe(created.output_text)

      const items = await (await get(`/responses/${created.id}/input_items`)).json()
      expectSchemaValidWhenAvailable('ResponseItemList', items)
      expect(items).toMatchObject({
        object: 'list',
        has_more: false,
        data: [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'one' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            ],
          },
        ],
      })
      const sdkItems = await t.client.responses.inputItems.list(created.id)
      expect(sdkItems.data).toHaveLength(1)

      const deleted = await fetch(`${t.baseURL}/responses/${created.id}`, { method: 'DELETE', headers: { authorization: 'Bearer sk-client-key' } })
      expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true })
      const gone = await get(`/responses/${created.id}`)
      expect(gone.status).toBe(404)
      expectSchemaValidWhenAvailable('ErrorResponse', await gone.json())

      const unstored = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'x', store: false })
      expect((unstored as unknown as { store: boolean }).store).toBe(false)
      expect((await get(`/responses/${unstored.id}`)).status).toBe(404)
    })

    it('runs approaches from the model prefix and optillm_approach, and refuses unknown ones with a 400', async () => {
      await t.client.responses.create({ model: 'none-gpt-4o-mini', input: 'x' })
      expect(upstreamBody().model).toBe('gpt-4o-mini')
      const bad = await post('/responses', { model: 'gpt-4o-mini', input: 'x', optillm_approach: 'nope' })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('optillm_approach')
      expect(upstreamBody()).not.toHaveProperty('optillm_approach')
    })

    it('reports the upstream call count: a header on a JSON answer, an HTTP trailer on a stream', async () => {
      const body = { model: 'self_consistency-gpt-4o-mini', input: 'What is 2+2?', optiproxy: { self_consistency: { k: 2 } } }
      const answered = await post('/responses', body)
      expect(answered.status).toBe(200)
      expect(answered.headers.get('x-optiproxy-upstream-calls')).toBe('2')
      const streamed = await new Promise<{ trailer: unknown; trailers: Record<string, string | undefined>; text: string }>((resolve, reject) => {
        const outgoing = httpRequest(
          new URL(`${t.baseURL}/responses`),
          { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' } },
          (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (text += chunk))
            response.on('end', () => resolve({ trailer: response.headers.trailer, trailers: response.trailers, text }))
          },
        )
        outgoing.on('error', reject)
        outgoing.end(JSON.stringify({ ...body, stream: true }))
      })
      expect(streamed.trailer).toBe('x-optiproxy-upstream-calls')
      expect(streamed.trailers['x-optiproxy-upstream-calls']).toBe('2')
      expect(streamed.text).toContain('event: response.completed')
    })

    it('carries the operations of Chat Completions: x-request-id on every answer, the operator limits as 400s', async () => {
      const traced = (id: string, body: unknown): Promise<Response> =>
        fetch(`${t.baseURL}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key', 'x-request-id': id },
          body: JSON.stringify(body),
        })
      const whole = await traced('resp-trace-1', { model: 'gpt-4o-mini', input: 'x' })
      expect(whole.headers.get('x-request-id')).toBe('resp-trace-1')
      const streamed = await traced('resp-trace-2', { model: 'gpt-4o-mini', input: 'x', stream: true })
      expect(streamed.headers.get('x-request-id')).toBe('resp-trace-2')
      await streamed.text()
      const tooMany = await traced('resp-trace-3', { model: 'gpt-4o-mini', input: Array.from({ length: 3000 }, () => ({ role: 'user', content: 'x' })) })
      expect(tooMany.status).toBe(400)
      expect(tooMany.headers.get('x-request-id')).toBe('resp-trace-3')
      const deep = await traced('resp-trace-4', { model: 'gpt-4o-mini', input: 'x', metadata: JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`) })
      expect(deep.status).toBe(400)
    })

    it('answers bad input, unknown previous responses and upstream failures as OpenAI errors with their status', async () => {
      const missing = await post('/responses', { model: 'gpt-4o-mini' })
      expect(missing.status).toBe(400)
      const unknown = await post('/responses', { model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_nope' })
      expect(unknown.status).toBe(404)
      expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe('previous_response_id')
      t.upstream.setHandler(() => ({
        kind: 'json',
        status: 401,
        body: { error: { message: 'bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
      }))
      const unauthorized = await post('/responses', { model: 'gpt-4o-mini', input: 'x' })
      expect(unauthorized.status).toBe(401)
      const streamed = await post('/responses', { model: 'gpt-4o-mini', input: 'x', stream: true })
      expect(streamed.status).toBe(401)
      expect((await fetch(`${t.baseURL}/assistants`)).status).toBe(404)
    })
  })

  describe('POST /v1/responses (streaming)', () => {
    it('a stored response can be retrieved while it streams (in_progress), then completed', async () => {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b', 'c', 'd'] }), delayMs: 60 }))
      const stream = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true })
      let midway: string | undefined
      let id = ''
      for await (const event of stream) {
        if (event.type === 'response.created') id = event.response.id
        if (event.type === 'response.output_text.delta' && midway === undefined) midway = (await t.client.responses.retrieve(id)).status
      }
      expect(midway).toBe('in_progress')
      const done = await t.client.responses.retrieve(id)
      expectSchemaValidWhenAvailable('Response', done)
      expect(done.status).toBe('completed')
      expect(done.output_text).toBe('abcd')
    })

    it('streams the full event sequence with event names and increasing sequence numbers; the SDK gets the final response', async () => {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['Hel', 'lo'], includeUsage: true }) }))
      const raw = await post('/responses', { model: 'gpt-4o-mini', input: 'hi', stream: true })
      expect(raw.headers.get('content-type')).toContain('text/event-stream')
      const events = await readResponseEvents(raw)
      expect(events.map((event) => event.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ])
      expect(events[0]?.sequence_number).toBe(0)
      const completed = events.at(-1) as unknown as { response: { output_text?: string; usage: unknown; id: string } }
      expect(completed.response.usage).not.toBeNull()
      const stored = await t.client.responses.retrieve(completed.response.id)
      expect(stored.output_text).toBe('Hello')

      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b'] }) }))
      const stream = t.client.responses.stream({ model: 'gpt-4o-mini', input: 'hi' })
      const deltas: string[] = []
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta))
      const final = await stream.finalResponse()
      expectSchemaValidWhenAvailable('Response', final)
      expect(deltas).toEqual(['a', 'b'])
      expect(final.output_text).toBe('ab')
    })

    it('streams function call arguments and reasoning as their own items', async () => {
      t.upstream.setHandler(() => ({
        kind: 'sse',
        events: [
          {
            id: 'c1',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'think' }, finish_reason: null }],
          },
          ...buildChatCompletionChunks({ toolCalls: [{ id: 'call_1', name: 'lookup', argumentsChunks: ['{"q":', '"x"}'] }] }),
        ],
      }))
      const events = await readResponseEvents(
        await post('/responses', {
          model: 'gpt-4o-mini',
          input: 'hi',
          stream: true,
          tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }],
        }),
      )
      const types = events.map((event) => event.type)
      expect(types).toContain('response.reasoning_text.delta')
      expect(types.filter((type) => type === 'response.function_call_arguments.delta')).toHaveLength(2)
      const done = events.find((event) => event.type === 'response.function_call_arguments.done')
      expect(done).toMatchObject({ name: 'lookup', arguments: '{"q":"x"}' })
      const completed = events.at(-1) as unknown as { type: string; response: { output: Array<{ type: string }> } }
      expect(completed.type).toBe('response.completed')
      expect(completed.response.output.map((item) => item.type)).toEqual(['reasoning', 'function_call'])
    })

    it('ends with response.failed when the upstream dies mid-stream', async () => {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['a', 'b', 'c'] }), destroyAfter: 2 }))
      const events = await readResponseEvents(await post('/responses', { model: 'gpt-4o-mini', input: 'hi', stream: true }))
      const last = events.at(-1) as unknown as { type: string; response: { status: string; error: { code: string } } }
      expect(last.type).toBe('response.failed')
      expect(last.response.status).toBe('failed')
      expect(last.response.error.code).toBe('server_error')
    })
  })

  describe('background responses', () => {
    it('returns queued at once, runs without the client, and replays its stream from any sequence number', async () => {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['x', 'y', 'z'] }), delayMs: 20 }))
      const queued = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
      expectSchemaValidWhenAvailable('Response', queued)
      expect(queued.status).toBe('queued')
      expect(queued.background).toBe(true)
      const done = await waitForStatus(queued.id, ['completed'])
      expectSchemaValidWhenAvailable('Response', done)
      expect(done.output_text).toBe('xyz')

      const all = await readResponseEvents(await get(`/responses/${queued.id}?stream=true`))
      expect(all.map((event) => event.type).slice(0, 3)).toEqual(['response.created', 'response.queued', 'response.in_progress'])
      expect(all.at(-1)?.type).toBe('response.completed')
      const tail = await readResponseEvents(await get(`/responses/${queued.id}?stream=true&starting_after=4`))
      expect(tail).toEqual(all.filter((event) => event.sequence_number > 4))
      // the openai SDK's resume: responses.retrieve with stream and starting_after
      const resumed: number[] = []
      for await (const event of await t.client.responses.retrieve(queued.id, { stream: true, starting_after: 4 })) resumed.push(event.sequence_number)
      expect(resumed).toEqual(tail.map((event) => event.sequence_number))
      // resuming after the last event of a finished run: an empty stream, not an error
      const past = await get(`/responses/${queued.id}?stream=true&starting_after=${all.at(-1)?.sequence_number ?? 0}`)
      expect(past.status).toBe(200)
      expect(past.headers.get('content-type')).toContain('text/event-stream')
      expect(await past.text()).toBe('')
    })

    it('streams a background run live from its start (stream + background)', async () => {
      t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['p', 'q'] }), delayMs: 10 }))
      const events = await readResponseEvents(await post('/responses', { model: 'gpt-4o-mini', input: 'hi', stream: true, background: true }))
      expect(events[0]?.type).toBe('response.created')
      expect(events.at(-1)?.type).toBe('response.completed')
    })

    it('cancel stops the run and its upstream call, and is idempotent', async () => {
      t.upstream.setHandler(() => ({ kind: 'hang' }))
      const queued = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
      await waitForStatus(queued.id, ['in_progress'])
      await waitUntil(() => t.upstream.inFlight === 1)
      const cancelled = await t.client.responses.cancel(queued.id)
      expectSchemaValidWhenAvailable('Response', cancelled)
      expect(cancelled.status).toBe('cancelled')
      await t.upstream.waitForClosed(1)
      const again = await t.client.responses.cancel(queued.id)
      expect(again.status).toBe('cancelled')
      expect((await t.client.responses.retrieve(queued.id)).status).toBe('cancelled')
      const events = await readResponseEvents(await get(`/responses/${queued.id}?stream=true`))
      expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'cancelled' } })
    })

    it('refuses cancelling a foreground response and background without store', async () => {
      const done = await t.client.responses.create({ model: 'gpt-4o-mini', input: 'x' })
      expect((await post(`/responses/${done.id}/cancel`, {})).status).toBe(400)
      expect((await post('/responses', { model: 'gpt-4o-mini', input: 'x', background: true, store: false })).status).toBe(400)
    })
  })
}

/** Graceful shutdown: the instance's own runs end failed; streams following another instance's run end with `error`. */
function defineShutdownSuite(settings: Partial<Config>, twoInstances: boolean): void {
  it('a stopping instance ends its runs failed and the streams it serves with a final event', async () => {
    const runner = await startProxyUnderTest({ keepAliveMs: 200, runDrainMs: 0, ...settings })
    runner.upstream.setHandler(() => ({ kind: 'hang' }))
    const queued = await runner.client.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
    await waitUntil(() => runner.upstream.inFlight === 1)
    // with Redis, a second instance serves the follower; the run stays on the first one
    const server = twoInstances ? await startProxyUnderTest({ keepAliveMs: 200, runDrainMs: 0, ...settings }) : runner
    try {
      const followed = await fetch(`${server.baseURL}/responses/${queued.id}?stream=true`, { headers: { authorization: 'Bearer sk-client-key' } })
      const events = readResponseEvents(followed)
      await server.close()
      const received = await events
      if (twoInstances) {
        expect(received.at(-1)).toMatchObject({ type: 'error', code: 'stream_interrupted' })
      } else {
        expect(received.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } })
        expect((received.at(-1) as unknown as { response: { error: { message: string } } }).response.error.message).toMatch(/shut down/)
      }
    } finally {
      if (twoInstances) await runner.close()
    }
  })
}

describe('Responses API, in-memory store', () => {
  defineResponsesSuite({})
  describe('shutdown', () => defineShutdownSuite({}, false))
})
describeWithRedis(await isRedisReachable(), 'Responses API, Redis store and BullMQ runs', () => {
  const prefix = createTestKeyPrefix()
  afterAll(() => deleteKeysWithPrefix(prefix))
  const settings = { redisUrl, redisKeyPrefix: prefix, runDrainMs: 0, responseTtlSeconds: 600 }
  defineResponsesSuite(settings)
  // its own prefix: the suite's proxy above must not take these runs
  const shutdownPrefix = createTestKeyPrefix()
  afterAll(() => deleteKeysWithPrefix(shutdownPrefix))
  describe('shutdown', () => defineShutdownSuite({ ...settings, redisKeyPrefix: shutdownPrefix }, true))
})
