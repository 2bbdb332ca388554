import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type OpenAI from 'openai'
import { approachRegistry } from '../../approaches/registry.js'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest()
})
afterAll(() => t.close())
beforeEach(() => {
  t.upstream.reset()
  t.upstream.setHandler(replyByStep)
})

/** Every call costs 12 prompt + 8 completion tokens; the reply fits the step the approach is asking for. */
function replyByStep(request: RecordedRequest) {
  const body = request.body as { stream?: boolean; messages: Array<{ content: unknown }> }
  const last = JSON.stringify(body.messages.at(-1)?.content ?? '')
  // the json plugin asks for JSON conforming to a schema (any object when the request has none)
  const asksForJson = JSON.stringify(body.messages).includes('conforms to this JSON Schema')
  const content = asksForJson
    ? '{"answer": 4}'
    : /Rating: N|Score: N/.test(last)
      ? 'Rating: 7'
      : last.includes('numbered list, one step per line')
        ? '1. add the numbers'
        : last.includes('JSON array')
          ? '[]'
          : 'The answer is 4'
  const usage = { promptTokens: 12, completionTokens: 8 }
  if (body.stream === true) return { kind: 'sse' as const, events: buildChatCompletionChunks({ text: content.split(/(?<= )/), includeUsage: true, usage }) }
  return { kind: 'json' as const, body: buildChatCompletion({ content, usage }) }
}

const question: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 2+2?' }]
const slugs = [...approachRegistry.keys()]

describe('every approach through the openai SDK', () => {
  it.each(slugs)('%s: non-streamed, schema-valid, usage summed over every call, exact call count header', async (slug) => {
    const { data, response } = await t.client.chat.completions.create({ model: `${slug}-gpt-4o-mini`, messages: question }).withResponse()
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', data)
    const calls = t.upstream.requests.length
    expect(calls).toBeGreaterThanOrEqual(1)
    expect(response.headers.get('x-optiproxy-upstream-calls')).toBe(String(calls))
    expect(data.choices[0]?.message.content).toContain('4')
    expect(data.choices[0]?.finish_reason).toBe('stop')
    expect(data.usage).toMatchObject({ prompt_tokens: 12 * calls, completion_tokens: 8 * calls, total_tokens: 20 * calls })
    expect((t.upstream.requests[0]?.body as { model: string }).model).toBe('gpt-4o-mini')
  })

  it.each(slugs)('%s: streamed, schema-valid chunks, trace as reasoning_content, one usage chunk with the sum', async (slug) => {
    const stream = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: question,
      stream: true,
      stream_options: { include_usage: true },
      optillm_approach: slug,
    } as OpenAI.ChatCompletionCreateParamsStreaming)
    let content = ''
    let reasoning = ''
    const usages: OpenAI.CompletionUsage[] = []
    for await (const chunk of stream) {
      expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
      const delta = chunk.choices[0]?.delta as ({ reasoning_content?: string } & OpenAI.ChatCompletionChunk.Choice.Delta) | undefined
      content += delta?.content ?? ''
      reasoning += delta?.reasoning_content ?? ''
      if (chunk.usage) usages.push(chunk.usage)
    }
    const calls = t.upstream.requests.length
    expect(content).toContain('4')
    expect(usages).toHaveLength(1)
    expect(usages[0]).toMatchObject({ total_tokens: 20 * calls })
    if (calls > 1) expect(reasoning).not.toBe('')
  })
})

describe('approach requests over HTTP', () => {
  it('a stream announces x-optiproxy-upstream-calls and sends it as an HTTP trailer', async () => {
    const { headers, trailers, text } = await new Promise<{ headers: Record<string, unknown>; trailers: Record<string, string | undefined>; text: string }>(
      (resolve, reject) => {
        const url = new URL(`${t.baseURL}/chat/completions`)
        const outgoing = httpRequest(
          url,
          { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' } },
          (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (text += chunk))
            response.on('end', () => resolve({ headers: response.headers, trailers: response.trailers, text }))
          },
        )
        outgoing.on('error', reject)
        outgoing.end(JSON.stringify({ model: 'moa-gpt-4o-mini', messages: question, stream: true }))
      },
    )
    expect(headers.trailer).toBe('x-optiproxy-upstream-calls')
    expect(trailers['x-optiproxy-upstream-calls']).toBe('5')
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
  })

  it('budgets from the request: the best answer so far with finish_reason length', async () => {
    const completion = await t.client.chat.completions.create({
      model: 'bon-gpt-4o-mini',
      messages: question,
      optiproxy: { max_upstream_calls: 2 },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    expect(t.upstream.requests).toHaveLength(2)
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'The answer is 4' } })
  })

  it('| gives one choice per approach; trace off sends no reasoning_content', async () => {
    const completion = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: question,
      optillm_approach: 're2|moa',
      optiproxy: { trace: false },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1])
    expect(completion.choices.some((choice) => 'reasoning_content' in choice.message)).toBe(false)
    expect(t.upstream.requests).toHaveLength(6)
  })

  it('an unknown slug in a combination and a bad option are OpenAI-shaped 400s', async () => {
    await expect(t.client.chat.completions.create({ model: 'moa&magic-gpt-4o', messages: question })).rejects.toMatchObject({
      status: 400,
      error: { code: 'unknown_approach', param: 'model', message: expect.stringContaining('Known approaches: none, bon') },
    })
    await expect(
      t.client.chat.completions.create({
        model: 'bon-gpt-4o',
        messages: question,
        optiproxy: { bon: { n: 'many' } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({
      status: 400,
      error: { param: 'optiproxy.bon.n' },
    })
    expect(t.upstream.requests).toHaveLength(0)
  })

  it('a tool-bearing request passes through in one call and its tool calls reach the client', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      body: buildChatCompletion({ toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] }),
    }))
    const completion = await t.client.chat.completions.create({
      model: 'moa-gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    })
    expect(t.upstream.requests).toHaveLength(1)
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } })
  })
})

describe('approach failures and cancellation over HTTP', () => {
  it('an upstream error inside an approach reaches the client with its status', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 401,
      body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    }))
    await expect(t.client.chat.completions.create({ model: 'moa-gpt-4o-mini', messages: question })).rejects.toMatchObject({ status: 401 })
  })

  it('a client that leaves a streamed approach mid-run cancels every upstream call in flight', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    const controller = new AbortController()
    const pending = t.client.chat.completions.create({ model: 'self_consistency-gpt-4o-mini', messages: question, stream: true }, { signal: controller.signal })
    const deadline = Date.now() + 5000
    while (t.upstream.inFlight < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(t.upstream.inFlight).toBe(4)
    controller.abort()
    await expect(
      pending.then(async (stream) => {
        for await (const _ of stream) void _
      }),
    ).rejects.toThrow()
    await t.upstream.waitForClosed(4)
    expect(t.upstream.requests).toHaveLength(4)
  })
})

describe('streamed cut-offs and failures', () => {
  it('a streamed budget cut-off ends with finish_reason length and the best answer so far', async () => {
    const stream = await t.client.chat.completions.create({
      model: 'bon-gpt-4o-mini',
      messages: question,
      stream: true,
      optiproxy: { max_upstream_calls: 2 },
    } as OpenAI.ChatCompletionCreateParamsStreaming)
    let content = ''
    const finishes: string[] = []
    for await (const chunk of stream) {
      expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
      content += chunk.choices[0]?.delta.content ?? ''
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason)
    }
    expect(content).toBe('The answer is 4')
    expect(finishes).toEqual(['length'])
    expect(t.upstream.requests).toHaveLength(2)
  })

  it('a failure before the stream starts is a JSON error that still carries the call count', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 401,
      body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    }))
    const failure = await t.client.chat.completions.create({ model: 'moa-gpt-4o-mini', messages: question, stream: true }).then(
      () => undefined,
      (error: unknown) => error as { status: number; headers: Headers },
    )
    expect(failure?.status).toBe(401)
    expect(failure?.headers.get('x-optiproxy-upstream-calls')).toBe('3')
  })
})
