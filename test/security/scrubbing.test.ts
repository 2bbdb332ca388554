import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { startMockAnthropicUpstream } from '../helpers/mock-anthropic-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'

// Item 8: an upstream that echoed a key in `code` or `param` got it to the client and into a /metrics label
const operatorKey = 'operator-upstream-secret-9f8e7d6c5b4a'
const anthropicKey = 'anthropic-operator-secret-1a2b3c4d5e'
let t: ProxyUnderTest
let anthropic: MockVendorUpstream

beforeAll(async () => {
  anthropic = await startMockAnthropicUpstream()
  t = await startProxyUnderTest({ openaiApiKey: operatorKey, anthropicBaseUrl: anthropic.baseURL, anthropicApiKey: anthropicKey })
})
afterAll(async () => {
  await t.close()
  await anthropic.close()
})
beforeEach(() => {
  t.upstream.reset()
  anthropic.reset()
})

const echoed = (key: string) => ({ message: `bad key ${key}`, type: `type_${key}`, code: `code_${key}`, param: `param ${key} sk-live-abcdefghijklmnop` })

const post = (body: Record<string, unknown>) =>
  fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify(body),
  })

describe('every string field of an upstream error is scrubbed', () => {
  it('message, type, code and param of an HTTP error; and the error metrics labels', async () => {
    t.upstream.setHandler(() => ({ kind: 'json', status: 401, body: { error: echoed(operatorKey) } }))
    const answer = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const text = await answer.text()
    expect(answer.status).toBe(401)
    expect(text).not.toContain(operatorKey)
    expect(text).not.toContain('sk-live-abcdefghijklmnop')
    expect(text).toContain('***')
    const metrics = await (await fetch(`${t.proxy.url}/metrics`)).text()
    expect(metrics).toContain('optiproxy_errors_total')
    expect(metrics).not.toContain(operatorKey)
  })

  it('an error inside a stream', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: [{ error: echoed(operatorKey) }], done: false }))
    const answer = await post({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const text = await answer.text()
    expect(text).toContain('error')
    expect(text).not.toContain(operatorKey)
    expect(await (await fetch(`${t.proxy.url}/metrics`)).text()).not.toContain(operatorKey)
  })

  it("Anthropic's error type (which becomes the code)", async () => {
    anthropic.setHandler(() => ({
      kind: 'json',
      status: 400,
      body: { type: 'error', error: { type: `invalid_${anthropicKey}`, message: `nope ${anthropicKey}` } },
    }))
    const answer = await post({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] })
    const text = await answer.text()
    expect(answer.status).toBe(400)
    expect(text).not.toContain(anthropicKey)
    expect(await (await fetch(`${t.proxy.url}/metrics`)).text()).not.toContain(anthropicKey)
  })
})
