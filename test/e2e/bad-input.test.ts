import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

const valid = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }
let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ bodyLimitBytes: 12 * 1024 * 1024 })
})
afterAll(() => t.close())

/** Sends a raw body and checks it is refused with a 4xx OpenAI error without reaching the upstream. */
async function expectRefused(body: string | Uint8Array, expectedStatus?: number): Promise<{ status: number; error: Record<string, unknown> }> {
  const before = t.upstream.requests.length
  const response = await fetch(`${t.baseURL}/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const json = (await response.json()) as { error: Record<string, unknown> }
  expectSchemaValidWhenAvailable('ErrorResponse', json)
  if (expectedStatus === undefined) {
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
  } else {
    expect(response.status).toBe(expectedStatus)
  }
  expect(t.upstream.requests.length).toBe(before)
  return { status: response.status, error: json.error }
}

const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
)
const notNumber = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
)
const notInteger = fc.oneof(notNumber, fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }))
const notBoolean = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
)
const notArray = fc.oneof(fc.integer(), fc.boolean(), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }))
const notObject = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 10 }), fc.array(fc.integer(), { maxLength: 3 }))

/** Every documented top-level field, with values of a type it never accepts. */
const wrongTypes: Record<string, fc.Arbitrary<unknown>> = {
  model: notString,
  messages: fc.oneof(notArray, fc.string({ maxLength: 10 })),
  stream: notBoolean,
  stream_options: notObject,
  n: notInteger,
  stop: fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
    fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
  ),
  temperature: notNumber,
  top_p: notNumber,
  seed: notInteger,
  max_tokens: notInteger,
  max_completion_tokens: notInteger,
  frequency_penalty: notNumber,
  presence_penalty: notNumber,
  logit_bias: notObject,
  logprobs: notBoolean,
  top_logprobs: notInteger,
  tools: notArray,
  tool_choice: fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.string({ minLength: 1, maxLength: 10 }).filter((value) => !['none', 'auto', 'required'].includes(value)),
  ),
  parallel_tool_calls: notBoolean,
  response_format: notObject,
  reasoning_effort: notString,
  user: notString,
  metadata: notObject,
  optillm_approach: notString,
  optiproxy: notObject,
}

describe('bad input: every case is a 4xx OpenAI error and the server stays healthy', () => {
  it('malformed JSON', async () => {
    const notJson = fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
      try {
        JSON.parse(text)
        return false
      } catch {
        return true
      }
    })
    await fc.assert(
      fc.asyncProperty(notJson, async (text) => void (await expectRefused(text))),
      { numRuns: 60 },
    )
  })

  it('JSON that is not an object', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer(), fc.string(), fc.array(fc.integer()), fc.constant(null), fc.boolean()),
        async (value) => void (await expectRefused(JSON.stringify(value), 400)),
      ),
      { numRuns: 30 },
    )
  })

  it('wrong types in every top-level field', async () => {
    for (const [field, wrong] of Object.entries(wrongTypes)) {
      await fc.assert(
        fc.asyncProperty(wrong, async (value) => {
          const { error } = await expectRefused(JSON.stringify({ ...valid, [field]: value }), 400)
          expect(String(error.param ?? '')).toContain(field)
        }),
        { numRuns: 12 },
      )
    }
  })

  it('10 MB strings where no string that long belongs', async () => {
    const huge = 'a'.repeat(10 * 1024 * 1024)
    await expectRefused(JSON.stringify({ ...valid, model: huge }), 400)
    await expectRefused(JSON.stringify({ ...valid, messages: [{ role: huge, content: 'hi' }] }), 400)
    await expectRefused(JSON.stringify({ ...valid, optillm_approach: huge }), 400)
  })

  it('a body over the size limit is a 413', async () => {
    const { error } = await expectRefused(JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'a'.repeat(13 * 1024 * 1024) }] }), 413)
    expect(error.code).toBe('request_too_large')
  })

  it('deeply nested JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 65, max: 5_000 }), fc.boolean(), async (depth, useObjects) => {
        const nested = useObjects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`
        const { error } = await expectRefused(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"extra":${nested}}`, 400)
        expect(error.code).toBe('nesting_too_deep')
      }),
      { numRuns: 10 },
    )
    // deeper than JSON.parse itself can go
    await expectRefused(`{"extra":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}`, 400)
  })

  it('invalid UTF-8', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]), async (bad) => {
        const prefix = Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"')
        const suffix = Buffer.from('"}]}')
        const { error } = await expectRefused(new Uint8Array(Buffer.concat([prefix, Buffer.from(bad), suffix])), 400)
        expect(error.code).toBe('invalid_encoding')
      }),
      { numRuns: 5 },
    )
  })

  it('valid UTF-8 passes untouched (multi-byte text, a leading byte-order mark dropped)', async () => {
    const text = 'Grüße, 世界 🌍'
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] }))])
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: new Uint8Array(body),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect((t.upstream.requests.at(-1)?.body as { messages: Array<{ content: string }> }).messages[0]?.content).toBe(text)
  })

  it('unknown roles', async () => {
    const role = fc.string({ maxLength: 20 }).filter((value) => !['system', 'developer', 'user', 'assistant', 'tool', 'function'].includes(value))
    await fc.assert(
      fc.asyncProperty(role, async (value) => void (await expectRefused(JSON.stringify({ ...valid, messages: [{ role: value, content: 'hi' }] }), 400))),
      { numRuns: 30 },
    )
  })

  it('tool messages without a matching call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 20 }), fc.boolean(), async (id, withOtherCall) => {
        const messages = [
          { role: 'user', content: 'hi' },
          ...(withOtherCall
            ? [{ role: 'assistant', content: null, tool_calls: [{ id: `other-${id}`, type: 'function', function: { name: 'f', arguments: '{}' } }] }]
            : []),
          { role: 'tool', tool_call_id: id, content: 'result' },
        ]
        const { error } = await expectRefused(JSON.stringify({ ...valid, messages }), 400)
        expect(error.param).toBe(`messages[${messages.length - 1}].tool_call_id`)
      }),
      { numRuns: 20 },
    )
  })

  it('huge n', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 129 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(1e300)),
        async (n) => void (await expectRefused(JSON.stringify({ ...valid, n }), 400)),
      ),
      { numRuns: 20 },
    )
  })

  it('negative or zero max_tokens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ max: 0 }), fc.constantFrom('max_tokens', 'max_completion_tokens'), async (value, field) => {
        const { error } = await expectRefused(JSON.stringify({ ...valid, [field]: value }), 400)
        expect(error.param).toBe(field)
      }),
      { numRuns: 20 },
    )
  })

  it('too many messages', async () => {
    const messages = Array.from({ length: 2049 }, () => ({ role: 'user', content: 'hi' }))
    const { error } = await expectRefused(JSON.stringify({ ...valid, messages }), 400)
    expect(error.code).toBe('too_many_messages')
  })

  it('afterwards the server is healthy and answers a valid request', async () => {
    expect((await fetch(`${t.proxy.url}/health`)).status).toBe(200)
    const completion = await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices).toHaveLength(1)
  })
})
