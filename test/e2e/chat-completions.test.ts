import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type OpenAI from 'openai'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest()
})
afterAll(() => t.close())
beforeEach(() => t.upstream.reset())

const lastUpstreamBody = (): Record<string, unknown> => (t.upstream.requests.at(-1) as RecordedRequest).body as Record<string, unknown>

/** Collects a stream's chunks, validating each against the OpenAI stream schema. */
async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = []
  for await (const chunk of stream) {
    expectSchemaValidWhenAvailable('CreateChatCompletionStreamResponse', chunk)
    chunks.push(chunk)
  }
  return chunks
}

describe('POST /v1/chat/completions (non-streaming)', () => {
  it('returns the upstream answer in the exact OpenAI shape, with usage details', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      body: buildChatCompletion({
        model: 'gpt-4o-mini-2024-07-18',
        content: 'Paris.',
        usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 4, reasoningTokens: 0 },
      }),
    }))
    const completion = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Capital of France?' }] })
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    expect(completion.object).toBe('chat.completion')
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/)
    expect(completion.model).toBe('gpt-4o-mini-2024-07-18')
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Paris.', refusal: null }, logprobs: null, finish_reason: 'stop' }])
    expect(completion.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    })
    expect(lastUpstreamBody()).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Capital of France?' }] })
  })

  it('forwards every known field by its OpenAI name and unknown vendor fields untouched', async () => {
    const body = {
      model: 'meta-llama/llama-3.3-70b',
      messages: [{ role: 'user' as const, content: 'hi' }],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      n: 1,
      stop: ['END'],
      max_completion_tokens: 64,
      frequency_penalty: 0.1,
      presence_penalty: -0.1,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 2,
      user: 'user-1',
      metadata: { team: 'a' },
      reasoning_effort: 'low' as const,
      response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      service_tier: 'auto' as const,
      store: false,
      // vendor parameters: vLLM, OpenRouter, Ollama
      top_k: 40,
      repetition_penalty: 1.1,
      provider: { order: ['groq'], allow_fallbacks: false },
      chat_template_kwargs: { enable_thinking: false },
    }
    await t.client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(lastUpstreamBody()).toEqual(body)
  })

  it('keeps max_tokens as max_tokens for servers that only know that name', async () => {
    await t.client.chat.completions.create({ model: 'llama3', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    expect(lastUpstreamBody()).toMatchObject({ max_tokens: 10 })
    expect(lastUpstreamBody()).not.toHaveProperty('max_completion_tokens')
  })

  it('returns tool calls with finish_reason tool_calls and content null', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      body: buildChatCompletion({ toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] }),
    }))
    const completion = await t.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto',
      parallel_tool_calls: true,
    })
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]?.message.content).toBeNull()
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ])
    expect(lastUpstreamBody()).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
      tool_choice: 'auto',
      parallel_tool_calls: true,
    })
  })

  it('passes a multi-turn conversation with tool results and an image through structurally intact', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'developer', content: 'Be brief.' },
      { role: 'system', content: [{ type: 'text', text: 'You can see images.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture, and what is the weather there?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C, cloudy' },
      {
        role: 'tool',
        tool_call_id: 'call_2',
        content: [
          { type: 'text', text: '14:00' },
          { type: 'text', text: ' CET' },
        ],
      },
      { role: 'assistant', content: 'The Eiffel Tower; 18°C at 14:00.' },
      { role: 'user', content: 'Thanks!', name: 'ada' },
    ]
    await t.client.chat.completions.create({ model: 'gpt-4o', messages })
    expect(lastUpstreamBody().messages).toEqual([
      { role: 'developer', content: 'Be brief.' },
      { role: 'system', content: 'You can see images.' },
      messages[2],
      messages[3],
      messages[4],
      messages[5],
      messages[6],
      messages[7],
    ])
  })

  it('returns n > 1 choices', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ choices: [{ content: 'A' }, { content: 'B' }, { content: 'C' }] }) }))
    const completion = await t.client.chat.completions.create({ model: 'gpt-4o', n: 3, messages: [{ role: 'user', content: 'hi' }] })
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    expect(completion.choices.map((choice) => [choice.index, choice.message.content])).toEqual([
      [0, 'A'],
      [1, 'B'],
      [2, 'C'],
    ])
    expect(lastUpstreamBody().n).toBe(3)
  })

  it('returns reasoning_content from reasoning upstreams (DeepSeek, vLLM)', async () => {
    const body = buildChatCompletion({ content: '42' })
    ;(body.choices[0]?.message as unknown as Record<string, unknown>).reasoning_content = 'Six times seven.'
    t.upstream.setHandler(() => ({ kind: 'json', body }))
    const completion = await t.client.chat.completions.create({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: '6*7?' }] })
    expect((completion.choices[0]?.message as unknown as Record<string, unknown>).reasoning_content).toBe('Six times seven.')
  })
})

describe('POST /v1/chat/completions (streaming)', () => {
  it('streams role first, content deltas, the finish chunk, then usage with choices [] and [DONE]', async () => {
    t.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({ text: ['Hel', 'lo', '!'], includeUsage: true, usage: { promptTokens: 5, completionTokens: 3 } }),
    }))
    const chunks = await collect(
      await t.client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    )
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello!')
    const finish = chunks.at(-2)
    expect(finish?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }])
    const usageChunk = chunks.at(-1)
    expect(usageChunk?.choices).toEqual([])
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 })
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true)
    // upstream is always asked for usage, so the proxy can count tokens
    expect(lastUpstreamBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } })
  })

  it('sends no usage chunk when the client did not ask for it', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['Hi'], includeUsage: true }) }))
    const chunks = await collect(await t.client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true)
  })

  it('streams two parallel tool calls with index, and id, type and name on each first fragment', async () => {
    t.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({
        toolCalls: [
          { id: 'call_a', name: 'get_weather', argumentsChunks: ['{"ci', 'ty":"Par', 'is"}'] },
          { id: 'call_b', name: 'get_time', argumentsChunks: ['{"tz":', '"CET"}'] },
        ],
      }),
    }))
    const chunks = await collect(
      await t.client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'weather and time?' }],
        tools: [
          { type: 'function', function: { name: 'get_weather' } },
          { type: 'function', function: { name: 'get_time' } },
        ],
      }),
    )
    const fragments = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
    const firsts = fragments.filter((fragment) => fragment.id !== undefined)
    expect(firsts).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
    ])
    const argumentsOf = (index: number) =>
      fragments
        .filter((fragment) => fragment.index === index)
        .map((fragment) => fragment.function?.arguments ?? '')
        .join('')
    expect(JSON.parse(argumentsOf(0))).toEqual({ city: 'Paris' })
    expect(JSON.parse(argumentsOf(1))).toEqual({ tz: 'CET' })
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('reassembles a tool call with the SDK stream helper exactly as against OpenAI', async () => {
    t.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({ toolCalls: [{ id: 'call_x', name: 'lookup', argumentsChunks: ['{"q":', '"optiproxy"}'] }] }),
    }))
    const runner = t.client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'look it up' }],
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]?.message.tool_calls).toEqual([{ id: 'call_x', type: 'function', function: { name: 'lookup', arguments: '{"q":"optiproxy"}' } }])
  })

  it('streams n > 1 choices, each with its own index and finish', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['x', 'y'], choices: 2 }) }))
    const chunks = await collect(await t.client.chat.completions.create({ model: 'gpt-4o', n: 2, stream: true, messages: [{ role: 'user', content: 'hi' }] }))
    for (const index of [0, 1]) {
      const mine = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index))
      expect(mine[0]?.delta.role).toBe('assistant')
      expect(mine.map((choice) => choice.delta.content ?? '').join('')).toBe('xy')
      expect(mine.at(-1)?.finish_reason).toBe('stop')
    }
  })

  it('streams reasoning deltas as reasoning_content', async () => {
    const events = buildChatCompletionChunks({ text: ['42'] })
    const first = events[1] as unknown as { choices: Array<{ delta: Record<string, unknown> }> }
    events.splice(1, 0, { ...events[1], choices: [{ ...first.choices[0], delta: { reasoning_content: 'thinking…' } }] } as never)
    t.upstream.setHandler(() => ({ kind: 'sse', events }))
    const chunks = await collect(
      await t.client.chat.completions.create({ model: 'deepseek-reasoner', stream: true, messages: [{ role: 'user', content: '6*7' }] }),
    )
    const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as Record<string, unknown> | undefined)?.reasoning_content ?? '').join('')
    expect(reasoning).toBe('thinking…')
  })
})
