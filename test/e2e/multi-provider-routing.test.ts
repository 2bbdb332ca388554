import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { anthropicFixtures } from '../contract/fixtures/anthropic-fixtures.js'
import { geminiFixtures } from '../contract/fixtures/gemini-fixtures.js'
import { openAICompatibleFixtures } from '../contract/fixtures/openai-compatible-fixtures.js'
import { buildAnthropicError } from '../helpers/mock-anthropic-upstream.js'
import { buildGeminiError } from '../helpers/mock-gemini-upstream.js'
import { startMockAnthropicUpstream } from '../helpers/mock-anthropic-upstream.js'
import { startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}

describe('one proxy, several providers (config file, routing, model list)', () => {
  let openai: MockUpstream
  let groq: MockUpstream
  let anthropic: MockVendorUpstream
  let gemini: MockVendorUpstream
  let proxy: RunningServer
  let client: OpenAI
  const directory = mkdtempSync(join(tmpdir(), 'optiproxy-routing-'))

  beforeAll(async () => {
    ;[openai, groq, anthropic, gemini] = await Promise.all([
      startMockOpenAIUpstream(),
      startMockOpenAIUpstream(),
      startMockAnthropicUpstream(),
      startMockGeminiUpstream(),
    ])
    const configPath = join(directory, 'optiproxy.yaml')
    writeFileSync(
      configPath,
      [
        'server: { host: 127.0.0.1, port: 0 }',
        'providers:',
        `  openai: { type: openai-compatible, base_url: ${openai.url} }`,
        '  groq:',
        '    type: openai-compatible',
        `    base_url: ${groq.url}`,
        '    api_key_env: GROQ_TEST_KEY',
        '    params: { temperature: 0.2 }',
        '    models: [llama-3.3-70b-versatile]',
        `  anthropic: { type: anthropic, base_url: ${anthropic.baseURL}, api_key: sk-ant-file-key-0001, max_retries: 1 }`,
        `  gemini: { type: gemini, base_url: ${gemini.baseURL}, api_key: AIzaFileKey0001 }`,
        'models:',
        '  fast: groq/llama-3.3-70b-versatile',
        '  thinker: anthropic/claude-sonnet-4-5',
      ].join('\n'),
    )
    const config = loadConfig(['--config', configPath], { GROQ_TEST_KEY: 'gsk-test-key-0001', OPENAI_API_KEY: 'sk-openai-env-key-0001' })
    proxy = await startServer(config)
    client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0, timeout: 15_000 })
  })
  afterAll(async () => {
    await proxy.close()
    await Promise.all([openai.close(), groq.close(), anthropic.close(), gemini.close()])
    rmSync(directory, { recursive: true, force: true })
  })
  beforeEach(() => {
    for (const mock of [openai, groq, anthropic, gemini]) mock.reset()
  })

  it('the openai SDK reassembles the same streamed tool call from gpt-4o-mini, gemini-2.0-flash and claude-sonnet-4-5', async () => {
    openai.setHandler(() => openAICompatibleFixtures.oneToolCall)
    anthropic.setHandler(() => anthropicFixtures.oneToolCall)
    gemini.setHandler(() => geminiFixtures.oneToolCall)
    const calls = []
    for (const model of ['gpt-4o-mini', 'gemini-2.0-flash', 'claude-sonnet-4-5']) {
      const runner = client.chat.completions.stream({
        model,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [weatherTool],
        stream_options: { include_usage: true },
      })
      const completion = await runner.finalChatCompletion()
      const choice = completion.choices[0]
      const call = choice?.message.tool_calls?.[0]
      expect(call?.type).toBe('function')
      if (call?.type !== 'function') throw new Error('no function call')
      expect(call.id).not.toBe('')
      calls.push({
        model,
        finish: choice?.finish_reason,
        name: call.function.name,
        arguments: JSON.parse(call.function.arguments) as unknown,
        content: choice?.message.content,
      })
    }
    expect(calls.map(({ model: _model, ...call }) => call)).toEqual(
      Array(3).fill({ finish: 'tool_calls', name: 'get_weather', arguments: { city: 'Paris' }, content: 'Let me check.' }),
    )
    expect([openai.requests.length, gemini.requests.length, anthropic.requests.length]).toEqual([1, 1, 1])
  })

  it.each([
    ['gemini/gemini-2.5-flash', 'gemini', '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['none-gemini/gemini-2.5-flash', 'gemini', '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['anthropic/claude-opus-4-1', 'anthropic', '/v1/messages'],
    ['none-claude-sonnet-4-5', 'anthropic', '/v1/messages'],
    ['thinker', 'anthropic', '/v1/messages'],
    ['meta-llama/llama-3.3-70b', 'openai', '/v1/chat/completions'],
    ['openai/gpt-4o', 'openai', '/v1/chat/completions'],
    ['fast', 'groq', '/v1/chat/completions'],
    ['groq/llama-3.1-8b-instant', 'groq', '/v1/chat/completions'],
  ])('%s is routed to %s', async (model, mockName, path) => {
    const mocks: Record<string, MockUpstream> = { openai, groq, anthropic, gemini }
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
    expectSchemaValidWhenAvailable('CreateChatCompletionResponse', completion)
    const received = mocks[mockName]?.requests
    expect(received).toHaveLength(1)
    expect(received?.[0]?.path).toBe(path)
    const others = Object.entries(mocks).filter(([name]) => name !== mockName)
    expect(others.map(([, mock]) => mock.requests.length)).toEqual([0, 0, 0])
  })

  it('sends each vendor its model name, its key, and the provider default params', async () => {
    await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
    await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], temperature: 0.9 })
    await client.chat.completions.create({ model: 'anthropic/claude-opus-4-1', messages: [{ role: 'user', content: 'hi' }] })
    await client.chat.completions.create({ model: 'meta-llama/llama-3.3-70b', messages: [{ role: 'user', content: 'hi' }] })
    expect(groq.requests.map((request) => request.body)).toMatchObject([
      { model: 'llama-3.3-70b-versatile', temperature: 0.2 },
      { model: 'llama-3.3-70b-versatile', temperature: 0.9 },
    ])
    expect(groq.requests[0]?.headers.authorization).toBe('Bearer gsk-test-key-0001')
    expect(anthropic.requests[0]?.body).toMatchObject({ model: 'claude-opus-4-1', max_tokens: 32_000 })
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe('sk-ant-file-key-0001')
    expect(openai.requests[0]?.body).toMatchObject({ model: 'meta-llama/llama-3.3-70b' })
    expect(openai.requests[0]?.headers.authorization).toBe('Bearer sk-openai-env-key-0001')
  })

  it('GET /v1/models lists every provider with owned_by, and a failing provider does not break the list', async () => {
    const ids = async () => (await client.models.list()).data.map((model) => `${model.owned_by}:${model.id}`)
    const all = await ids()
    expect(all).toEqual(
      expect.arrayContaining([
        'anthropic:claude-sonnet-4-5-20250929',
        'gemini:gemini-2.0-flash',
        'gemini:gemini-2.5-flash',
        'groq:groq/llama-3.3-70b-versatile',
        'groq:fast',
        'anthropic:thinker',
      ]),
    )
    expect(all.filter((id) => id.startsWith('openai:') || id.startsWith('system:')).length).toBeGreaterThan(0)
    // groq's list comes from the file, not from its list endpoint
    expect(all.filter((id) => id.startsWith('groq:'))).toEqual(['groq:groq/llama-3.3-70b-versatile', 'groq:fast'])
    expect(groq.requests).toHaveLength(0)
    gemini.setHandler(() => ({ kind: 'json', status: 500, body: buildGeminiError(500, 'INTERNAL', 'down') }))
    const withoutGemini = await ids()
    expect(withoutGemini.some((id) => id.startsWith('gemini:'))).toBe(false)
    expect(withoutGemini).toEqual(expect.arrayContaining(['anthropic:claude-sonnet-4-5-20250929', 'groq:fast']))
  })

  it('n > 1: Anthropic answers in parallel calls merged as choices, Gemini with candidateCount', async () => {
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }], stream: true })
    const texts = ['', '']
    for await (const chunk of stream) for (const choice of chunk.choices) texts[choice.index] += choice.delta.content ?? ''
    expect(texts).toEqual(['Hello from the Anthropic mock.', 'Hello from the Anthropic mock.'])
    expect(anthropic.requests).toHaveLength(2)
    const whole = await client.chat.completions.create({ model: 'claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }] })
    expect(whole.choices.map((choice) => choice.index)).toEqual([0, 1])
    expect(whole.usage?.prompt_tokens).toBe(50)

    gemini.setHandler(() => ({
      kind: 'json',
      body: {
        candidates: [0, 1].map((index) => ({ content: { role: 'model', parts: [{ text: `answer ${index}` }] }, finishReason: 'STOP', index })),
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      },
    }))
    const candidates = await client.chat.completions.create({ model: 'gemini-2.0-flash', n: 2, messages: [{ role: 'user', content: 'hi' }] })
    expect(candidates.choices.map((choice) => choice.message.content)).toEqual(['answer 0', 'answer 1'])
    expect(gemini.requests[0]?.body).toMatchObject({ generationConfig: { candidateCount: 2 } })
  })

  it('n > 1 on Anthropic: the first failing call aborts its siblings', async () => {
    let calls = 0
    anthropic.setHandler(() => {
      calls += 1
      return calls === 1 ? { kind: 'hang' } : { kind: 'json', status: 400, body: buildAnthropicError('invalid_request_error', 'bad request') }
    })
    await expect(client.chat.completions.create({ model: 'claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 400,
    })
    await anthropic.waitForClosed(1)
  })

  it('retries a 429 before the first byte, honouring Retry-After', async () => {
    let calls = 0
    anthropic.setHandler(() => {
      calls += 1
      if (calls === 1) return { kind: 'json', status: 429, headers: { 'retry-after': '0' }, body: buildAnthropicError('rate_limit_error', 'slow down') }
      return anthropicFixtures.streamedText
    })
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('Hello!')
    expect(anthropic.requests).toHaveLength(2)
  })

  it("Gemini: the answer's Retry-After header is passed on (else the body's retryDelay), and a retry waits for it", async () => {
    gemini.setHandler(() => ({ kind: 'json', status: 429, headers: { 'retry-after': '23' }, body: buildGeminiError(429, 'RESOURCE_EXHAUSTED', 'quota') }))
    const failure = await client.chat.completions
      .create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error)
    expect(failure).toMatchObject({ status: 429 })
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('23')
  })

  it('rejects an http image URL for Gemini with a 400 and never fetches it', async () => {
    await expect(
      client.chat.completions.create({
        model: 'gemini-2.0-flash',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:9/cat.png' } }] }],
      }),
    ).rejects.toMatchObject({ status: 400, code: 'unsupported_image_url' })
    expect(gemini.requests).toHaveLength(0)
  })
})

describe('bring-your-own-key for Anthropic and Gemini', () => {
  it("forwards the client's key when the proxy has none", async () => {
    const [anthropic, gemini] = await Promise.all([startMockAnthropicUpstream(), startMockGeminiUpstream()])
    const proxy = await startServer(loadConfig(['--port', '0', '--anthropic-base-url', anthropic.baseURL, '--gemini-base-url', gemini.baseURL], {}))
    try {
      const byok = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-ant-user-own-0001', maxRetries: 0 })
      await byok.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] })
      await byok.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] })
      expect(anthropic.requests[0]?.headers['x-api-key']).toBe('sk-ant-user-own-0001')
      expect(gemini.requests[0]?.headers['x-goog-api-key']).toBe('sk-ant-user-own-0001')
      anthropic.setHandler(() => ({ kind: 'json', status: 401, body: buildAnthropicError('authentication_error', 'invalid x-api-key sk-ant-user-own-0001') }))
      const failure = await byok.chat.completions
        .create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] })
        .catch((error: unknown) => error)
      expect(failure).toMatchObject({ status: 401 })
      expect(JSON.stringify((failure as InstanceType<typeof OpenAI.APIError>).error)).not.toContain('sk-ant-user-own-0001')
    } finally {
      await proxy.close()
      await Promise.all([anthropic.close(), gemini.close()])
    }
  })
})
