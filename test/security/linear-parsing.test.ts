import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { findApproachTag } from '../../src/routing/find-approach-tag.js'

// Item 1: the approach tag was found by a cubic regex (4 KB: 16 s, with /health waiting behind it)
let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ bodyLimitBytes: 4 * 1024 ** 2 })
})
afterAll(() => t.close())

const adversarial = (size: number): string => `<optillm_approach>${' '.repeat(size)}x`

const postChat = (content: string, role: 'system' | 'user' = 'system') =>
  fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role, content }, ...(role === 'system' ? [{ role: 'user', content: 'hi' }] : [])] }),
  })

describe('adversarial approach tags (50,000+ characters) are scanned in linear time', () => {
  it('finds no tag in an unclosed tag followed by 200,000 spaces within 200 ms', () => {
    for (const text of [adversarial(200_000), '<optillm_approach>'.repeat(12_000), `${'<optillm_approach><'.repeat(10_000)}`]) {
      const started = performance.now()
      expect(findApproachTag(text)).toBeUndefined()
      expect(performance.now() - started).toBeLessThan(200)
    }
  })

  it('still finds the tag it should, with the same semantics', () => {
    expect(findApproachTag('a <optillm_approach> moa </optillm_approach> b')).toEqual({ slug: 'moa', rest: 'a  b' })
    expect(findApproachTag('<optillm_approach>x<optillm_approach>bon</optillm_approach>')).toEqual({ slug: 'bon', rest: '<optillm_approach>x' })
    expect(findApproachTag('<optillm_approach>a<b</optillm_approach>')).toBeUndefined()
  })

  it('answers a 50,000-space system tag (and a user tag) at once, and /health is not held up', async () => {
    for (const role of ['system', 'user'] as const) {
      const started = performance.now()
      const [answer, health] = await Promise.all([postChat(adversarial(50_000), role), fetch(`${t.proxy.url}/health`)])
      expect(answer.status).toBe(200)
      expect(health.status).toBe(200)
      expect(performance.now() - started).toBeLessThan(2_000)
    }
  })

  it('an upstream error message of 50,000 characters that looks half like HTML is classified in linear time', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json',
      status: 400,
      body: { error: { message: '<a'.repeat(50_000), type: 'invalid_request_error', code: null, param: null } },
    }))
    try {
      const started = performance.now()
      const answer = await postChat('be brief')
      expect(answer.status).toBe(400)
      expect(performance.now() - started).toBeLessThan(2_000)
    } finally {
      t.upstream.reset()
    }
  })
})
