import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'

// Item 9: Gemini puts the model name in the URL path; crafted names sent the operator's key to other endpoints
let t: ProxyUnderTest
let gemini: MockVendorUpstream
beforeAll(async () => {
  gemini = await startMockGeminiUpstream()
  t = await startProxyUnderTest({ geminiBaseUrl: gemini.baseURL, geminiApiKey: 'gemini-operator-key-123456' })
})
afterAll(async () => {
  await t.close()
  await gemini.close()
})

const post = (model: string, stream = false) =>
  fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  })

describe('Gemini model names are checked before they reach a URL', () => {
  it.each([
    'gemini/x/%2e%2e/%2e%2e/%2e%2e/evil#',
    'gemini-2.5-flash:countTokens#',
    'gemini/../../v1beta/cachedContents',
    'gemini/gemini-2.5-flash?alt=json',
    'gemini/models/..',
  ])('%s is a 400, and Gemini receives nothing', async (model) => {
    gemini.reset()
    for (const stream of [false, true]) {
      const answer = await post(model, stream)
      expect(answer.status).toBe(400)
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('invalid_model')
    }
    expect(gemini.requests).toHaveLength(0)
  })

  it('a plain name still goes to /v1beta/models/<name>', async () => {
    gemini.reset()
    const answer = await post('gemini/gemini-2.5-flash')
    expect(answer.status).toBe(200)
    expect(gemini.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
  })
})
