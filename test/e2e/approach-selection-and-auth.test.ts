import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

describe('approach selection', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest()
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())
  const upstreamBody = () => (t.upstream.requests.at(-1) as RecordedRequest).body as { model: string; messages: unknown[] }

  it('a known slug prefix is removed from the model name', async () => {
    await t.client.chat.completions.create({ model: 'none-gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    expect(upstreamBody().model).toBe('gpt-4o-mini')
  })

  it('a prefix that is not a slug stays part of the model name', async () => {
    for (const model of ['gpt-4o-mini', 'meta-llama/llama-3.3-70b', 'bogus-model', 'none']) {
      await t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      expect(upstreamBody().model).toBe(model)
    }
  })

  it('optillm_approach and approach select the approach and are not forwarded', async () => {
    for (const field of ['optillm_approach', 'approach']) {
      await t.client.chat.completions.create({
        model: 'none-gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        [field]: 'none',
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      expect(upstreamBody()).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
    }
  })

  it('per-request approach options in `optiproxy` are validated by the approach and never forwarded', async () => {
    await t.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      optiproxy: { none: {} },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)
    expect(upstreamBody()).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
    await expect(
      t.client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        optiproxy: { none: { depth: 3 } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 400, error: { param: 'optiproxy.none', code: 'invalid_value' } })
    await expect(
      t.client.completions.create({ model: 'gpt-4o', prompt: 'hi', optiproxy: { none: { depth: 3 } } } as OpenAI.CompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({ status: 400, error: { param: 'optiproxy.none' } })
    expect(t.upstream.requests).toHaveLength(1)
  })

  it('the <optillm_approach> tag is removed from the system message, or from the first user message', async () => {
    await t.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: '<optillm_approach>none</optillm_approach> Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    })
    expect(upstreamBody().messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ])
    await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: '<optillm_approach>none</optillm_approach>What is 2+2?' }] })
    expect(upstreamBody().messages).toEqual([{ role: 'user', content: 'What is 2+2?' }])
  })

  it('an unknown slug in the field or the tag is a 400 listing the known slugs', async () => {
    await expect(
      t.client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        optillm_approach: 'magic',
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    ).rejects.toMatchObject({
      status: 400,
      error: { param: 'optillm_approach', code: 'unknown_approach', message: expect.stringContaining('Known approaches: none') },
    })
    await expect(
      t.client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: '<optillm_approach>magic</optillm_approach>' },
          { role: 'user', content: 'hi' },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, error: { param: 'messages', code: 'unknown_approach' } })
    expect(t.upstream.requests).toHaveLength(0)
  })
})

describe('credentials', () => {
  it("bring-your-own-key: without a key of its own the proxy forwards the client's key", async () => {
    const t = await startProxyUnderTest({}, 'sk-client-own-key')
    try {
      await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      expect(t.upstream.requests[0]?.headers.authorization).toBe('Bearer sk-client-own-key')
    } finally {
      await t.close()
    }
  })

  it("with OPENAI_API_KEY the upstream sees the proxy's key, never the client's", async () => {
    const t = await startProxyUnderTest({ openaiApiKey: 'sk-proxy-key' }, 'sk-client-own-key')
    try {
      await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      expect(t.upstream.requests[0]?.headers.authorization).toBe('Bearer sk-proxy-key')
    } finally {
      await t.close()
    }
  })

  it('with OPTIPROXY_API_KEY clients must present it; /health stays open; the key is not forwarded', async () => {
    const t = await startProxyUnderTest({ proxyApiKey: 'proxy-secret' }, 'proxy-secret')
    try {
      await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      expect(t.upstream.requests[0]?.headers.authorization).toBeUndefined()
      const wrong = new OpenAI({ baseURL: t.baseURL, apiKey: 'wrong', maxRetries: 0 })
      await expect(wrong.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
        status: 401,
        error: { code: 'invalid_api_key' },
      })
      const missing = await fetch(`${t.baseURL}/models`)
      expect(missing.status).toBe(401)
      expect(await missing.json()).toMatchObject({ error: { code: 'missing_api_key' } })
      expect((await fetch(`${t.proxy.url}/health`)).status).toBe(200)
      expect(t.upstream.requests).toHaveLength(1)
    } finally {
      await t.close()
    }
  })
})
