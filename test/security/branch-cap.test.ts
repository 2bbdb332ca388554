import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { mergeAsyncIterables } from '../../src/core/merge-async-iterables.js'

// Item 2: 8,000 `none|none|...` branches took 36 s, 1.07 GB and returned 8,000 choices past --max-choices;
// every combination became a permanent metrics series
let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ maxChoices: 8 })
})
afterAll(() => t.close())

const post = (body: Record<string, unknown>) =>
  fetch(`${t.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify(body),
  })

describe('parallel branches count against --max-choices', () => {
  it('refuses 8,000 branches (a 40 KB field) with a 400 before any upstream call', async () => {
    const started = performance.now()
    // (a model prefix is bounded by the model name's 256 characters; the field and the tag are not)
    const answer = await post({ model: 'gpt-4o-mini', optillm_approach: Array(8_000).fill('none').join('|'), messages: [{ role: 'user', content: 'hi' }] })
    expect(answer.status).toBe(400)
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(t.upstream.requests).toHaveLength(0)
  })

  it('counts branches x n: 3 branches x n=3 is 9 > 8, 4 x 2 is allowed', async () => {
    const refused = await post({ model: 'none|none|none-gpt-4o-mini', n: 3, messages: [{ role: 'user', content: 'hi' }] })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_choices')
    const allowed = await post({ model: 'none|none|none|none-gpt-4o-mini', n: 2, messages: [{ role: 'user', content: 'hi' }] })
    expect(allowed.status).toBe(200)
    expect(((await allowed.json()) as { choices: unknown[] }).choices).toHaveLength(8)
  })

  it('the same cap holds in the optillm_approach field and the message tag', async () => {
    const viaField = await post({
      model: 'gpt-4o-mini',
      optillm_approach: 'none|none|none|none|none|none|none|none|none',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(viaField.status).toBe(400)
    const viaTag = await post({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: '<optillm_approach>none|none|none|none|none|none|none|none|none</optillm_approach>' },
        { role: 'user', content: 'hi' },
      ],
    })
    expect(viaTag.status).toBe(400)
  })

  it('combinations and unknown model names do not grow /metrics: they are labelled `other`', async () => {
    const before = (await (await fetch(`${t.proxy.url}/metrics`)).text()).length
    for (let index = 0; index < 30; index++) {
      const branches = ['none', 'none', 'none'].slice(0, 2 + (index % 2)).join('|')
      await post({ model: `${branches}-model-${index}-${'x'.repeat(index)}`, messages: [{ role: 'user', content: 'hi' }] })
    }
    const metrics = await (await fetch(`${t.proxy.url}/metrics`)).text()
    expect(metrics).not.toContain('none|none')
    expect(metrics).toContain('approach="other"')
    // the growth is a handful of fixed series, not one per combination
    expect(metrics.length - before).toBeLessThan(20_000)
  })
})

describe('the branch merge is linear', () => {
  it('merges 20,000 sources of 2 values each in well under a second', async () => {
    const sources = Array.from({ length: 20_000 }, (_, source) =>
      (async function* () {
        yield source
        await Promise.resolve()
        yield source
      })(),
    )
    const started = performance.now()
    let count = 0
    for await (const _value of mergeAsyncIterables(sources)) count++
    expect(count).toBe(40_000)
    // a Promise.race over every pending source per value: 40,000 x 20,000 steps (minutes)
    expect(performance.now() - started).toBeLessThan(1_500)
  })

  it('passes a source failure on and ends the other sources', async () => {
    let ended = false
    const slow = (async function* () {
      try {
        yield 1
        await new Promise((resolve) => setTimeout(resolve, 50))
        yield 2
      } finally {
        ended = true
      }
    })()
    const failing = (async function* () {
      yield 0
      throw new Error('boom')
    })()
    await expect(
      (async () => {
        for await (const _value of mergeAsyncIterables<number>([slow, failing]));
      })(),
    ).rejects.toThrow('boom')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(ended).toBe(true)
  })
})
