import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, buildErrorBody, buildModelList, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest()
})
afterAll(() => t.close())
beforeEach(() => t.upstream.reset())

const upstreamBodies = () => t.upstream.requests.map((request: RecordedRequest) => request.body as Record<string, unknown>)

describe('POST /v1/completions (legacy)', () => {
  it('answers a string prompt as text_completion through the chat pipeline', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: ' world', usage: { promptTokens: 2, completionTokens: 1 } }) }))
    const completion = await t.client.completions.create({ model: 'gpt-4o-mini', prompt: 'Hello', max_tokens: 5, stop: ['\n'], temperature: 0 })
    expectSchemaValidWhenAvailable('CreateCompletionResponse', completion)
    expect(completion.object).toBe('text_completion')
    expect(completion.id).toMatch(/^cmpl-/)
    expect(completion.choices).toEqual([{ index: 0, text: ' world', logprobs: null, finish_reason: 'stop' }])
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 })
    expect(upstreamBodies()[0]).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5, stop: ['\n'], temperature: 0 })
  })

  it('answers an array of prompts with n choices each, numbered as OpenAI numbers them, and echo', async () => {
    t.upstream.setHandler((request) => {
      const prompt = ((request.body as { messages: Array<{ content: string }> }).messages[0]?.content ?? '').toUpperCase()
      return { kind: 'json', body: buildChatCompletion({ choices: [{ content: `${prompt}-0` }, { content: `${prompt}-1` }] }) }
    })
    const completion = await t.client.completions.create({ model: 'gpt-4o-mini', prompt: ['a', 'b'], n: 2, echo: true })
    expectSchemaValidWhenAvailable('CreateCompletionResponse', completion)
    expect(completion.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, 'aA-0'],
      [1, 'aA-1'],
      [2, 'bB-0'],
      [3, 'bB-1'],
    ])
    expect(completion.usage?.total_tokens).toBeGreaterThan(0)
  })

  it('streams text_completion chunks, then usage, then [DONE]', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['one', ' two'], includeUsage: true }) }))
    const stream = await t.client.completions.create({ model: 'gpt-4o-mini', prompt: 'count', stream: true, stream_options: { include_usage: true } })
    let text = ''
    let finish: string | null = null
    let usage: unknown
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion')
      for (const choice of chunk.choices) {
        text += choice.text
        finish = choice.finish_reason ?? finish
      }
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('one two')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) })
  })

  it('converts logprobs to the legacy shape', async () => {
    const logprobs = {
      content: [
        {
          token: 'Hi',
          logprob: -0.1,
          bytes: [72, 105],
          top_logprobs: [
            { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
            { token: 'Yo', logprob: -2.5, bytes: [89, 111] },
          ],
        },
        { token: '!', logprob: -0.3, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.3, bytes: [33] }] },
      ],
      refusal: null,
    }
    t.upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'Hi!', logprobs }) }))
    const completion = await t.client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say hi', logprobs: 2 })
    expectSchemaValidWhenAvailable('CreateCompletionResponse', completion)
    expect(completion.choices[0]?.logprobs).toEqual({
      tokens: ['Hi', '!'],
      token_logprobs: [-0.1, -0.3],
      top_logprobs: [{ Hi: -0.1, Yo: -2.5 }, { '!': -0.3 }],
      text_offset: [0, 2],
    })
    expect(upstreamBodies()[0]).toMatchObject({ logprobs: true, top_logprobs: 2 })
  })

  it.each([
    [{ prompt: [1, 2, 3] }, 'prompt'],
    [{ prompt: 'x', suffix: 'y' }, 'suffix'],
    [{ prompt: 'x', best_of: 3 }, 'best_of'],
    [{}, 'prompt'],
  ])('refuses what chat models cannot do: %j → 400 param %s', async (body, param) => {
    const response = await fetch(`${t.baseURL}/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(400)
    const json = await response.json()
    expectSchemaValidWhenAvailable('ErrorResponse', json)
    expect(json).toMatchObject({ error: { param } })
  })
})

describe('GET /v1/models', () => {
  it("lists the upstream's models", async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildModelList(['gpt-4o', 'gpt-4o-mini']) }))
    const page = await t.client.models.list()
    expectSchemaValidWhenAvailable('ListModelsResponse', { object: 'list', data: page.data })
    expect(page.data.map((model) => model.id)).toEqual(['gpt-4o', 'gpt-4o-mini'])
    const model = await t.client.models.retrieve('gpt-4o-mini')
    expectSchemaValidWhenAvailable('Model', model)
    expect(model).toMatchObject({ id: 'gpt-4o-mini', object: 'model' })
  })

  it('an unknown model is a 404 and an upstream without a list gives an empty list', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', body: buildModelList(['gpt-4o']) }))
    await expect(t.client.models.retrieve('nope')).rejects.toMatchObject({ status: 404 })
    t.upstream.setHandler(() => ({ kind: 'json', status: 404, body: buildErrorBody({ message: 'no such route', type: 'invalid_request_error' }) }))
    expect((await t.client.models.list()).data).toEqual([])
  })
})

describe('GET /health', () => {
  it('answers without touching the upstream', async () => {
    const response = await fetch(`${t.proxy.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', degraded: [] })
    expect(t.upstream.requests).toHaveLength(0)
  })
})
