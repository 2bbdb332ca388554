import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import { readJsonReply } from '../../approaches/json/read-json-reply.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer', minimum: 0 } },
  required: ['city', 'population'],
  additionalProperties: false,
}
const request: Partial<ModelRequest> = { responseFormat: { type: 'json-schema', name: 'city_facts', schema, strict: true } }

describe('json', () => {
  it('a provider without native structured output: an answer that needs repair is repaired, the client gets valid JSON', async () => {
    const replies = [
      'Sure! The city is Paris with about 2.1 million people.',
      '```json\n{"city": "Paris", "population": "2.1 million"}\n```',
      '{"city": "Paris", "population": 2102650}',
    ]
    const provider = createScriptedProvider((call) => replies[call.index] as string)
    const run = await runApproachDirectly(provider, { approach: 'json', question: 'Facts about Paris', request, streaming: true })
    expect(provider.calls).toHaveLength(3)
    expect(provider.calls[0]?.request.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('"population":{"type":"integer","minimum":0}'),
    })
    expect(provider.calls[0]?.request.responseFormat).toEqual(request.responseFormat)
    expect(provider.calls[1]?.lastText).toContain('not valid JSON')
    expect(provider.calls[2]?.lastText).toContain('/population: must be integer')
    expect(JSON.parse(run.result.choices[0]?.text ?? '')).toEqual({ city: 'Paris', population: 2102650 })
    expect(run.result.choices[0]?.reasoning).toContain('[json] attempt 3: valid')
  })

  it('after the last repair the client gets a clear 502 naming the problem', async () => {
    const provider = createScriptedProvider(() => '{"city": "Paris"}')
    await expect(runApproachDirectly(provider, { approach: 'json', request, optiproxy: { json: { max_repairs: 1 } } })).rejects.toMatchObject({
      status: 502,
      code: 'json_schema_not_satisfied',
      message: expect.stringContaining("must have required property 'population'"),
    })
    expect(provider.calls).toHaveLength(2)
  })

  it('an upstream that refuses native structured output is asked again without it; native off never sends it', async () => {
    const provider = createScriptedProvider((call) => {
      if (call.request.responseFormat !== undefined) throw new ProxyError('response_format is not supported', { status: 400, type: 'invalid_request_error' })
      return '{"city": "Oslo", "population": 709037}'
    })
    const run = await runApproachDirectly(provider, { approach: 'json', request })
    expect(provider.calls).toHaveLength(2)
    expect(run.result.choices[0]?.text).toBe('{"city":"Oslo","population":709037}')
    const plain = createScriptedProvider(() => '{"city": "Oslo", "population": 709037}')
    await runApproachDirectly(plain, { approach: 'json', request, optiproxy: { json: { native: 'off' } } })
    expect(plain.calls[0]?.request.responseFormat).toBeUndefined()
  })

  it('an invalid schema is a 400; no response_format asks for any JSON object', async () => {
    const provider = createScriptedProvider(() => '{"ok": true}')
    await expect(
      runApproachDirectly(provider, { approach: 'json', request: { responseFormat: { type: 'json-schema', name: 'x', schema: { type: 'nonsense' } } } }),
    ).rejects.toMatchObject({ status: 400 })
    const run = await runApproachDirectly(provider, { approach: 'json' })
    expect(run.result.choices[0]?.text).toBe('{"ok":true}')
  })

  it('a catastrophic pattern against a 50,000-character reply answers in well under a second (RE2, not backtracking)', async () => {
    const hostile = {
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      patternProperties: { '^(x+x+)+y$': { type: 'string' } },
      required: ['s'],
    }
    const reply = JSON.stringify({ s: `${'a'.repeat(50_000)}!`, [`${'x'.repeat(20_000)}`]: 'v' })
    const good = JSON.stringify({ s: 'a'.repeat(50_000) })
    const provider = createScriptedProvider((call) => (call.index === 0 ? reply : good))
    const started = performance.now()
    const run = await runApproachDirectly(provider, {
      approach: 'json',
      request: { responseFormat: { type: 'json-schema', name: 'hostile', schema: hostile } },
    })
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(provider.calls).toHaveLength(2)
    expect(provider.calls[1]?.lastText).toContain('/s: must match pattern')
    expect(JSON.parse(run.result.choices[0]?.text ?? '')).toEqual({ s: 'a'.repeat(50_000) })
  })

  it('patterns keep JSON Schema meaning on RE2; one RE2 cannot run (backreference, lookahead) is a 400 naming response_format', async () => {
    const schema = {
      type: 'object',
      properties: { code: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' }, tag: { type: 'string', pattern: 'b' } },
      patternProperties: { '^n_': { type: 'integer' } },
    }
    const provider = createScriptedProvider(
      (call) =>
        ['{"code": "AB-1", "tag": "abc"}', '{"code": "ABC-12", "tag": "x", "n_a": "1"}', '{"code": "ABC-12", "tag": "xbx", "n_a": 1}'][call.index] as string,
    )
    const run = await runApproachDirectly(provider, { approach: 'json', request: { responseFormat: { type: 'json-schema', name: 'p', schema } } })
    expect(provider.calls[1]?.lastText).toContain('/code: must match pattern')
    expect(provider.calls[2]?.lastText).toContain('/tag: must match pattern')
    expect(provider.calls[2]?.lastText).toContain('/n_a: must be integer')
    expect(JSON.parse(run.result.choices[0]?.text ?? '')).toEqual({ code: 'ABC-12', tag: 'xbx', n_a: 1 })
    for (const pattern of ['^(a)\\1$', 'a(?=b)', '(']) {
      const refused = createScriptedProvider(() => '{}')
      await expect(
        runApproachDirectly(refused, {
          approach: 'json',
          request: { responseFormat: { type: 'json-schema', name: 'p', schema: { type: 'string', pattern } } },
        }),
      ).rejects.toMatchObject({
        status: 400,
        param: 'response_format',
        message: expect.stringContaining('pattern'),
      })
      expect(refused.calls).toHaveLength(0)
    }
  })

  it('reads JSON from a whole reply, a fence, or the outermost braces', () => {
    expect(readJsonReply('{"a":1}')).toEqual({ value: { a: 1 } })
    expect(readJsonReply('x\n```json\n[1,2]\n```\ny')).toEqual({ value: [1, 2] })
    expect(readJsonReply('Here: {"a": {"b": 2}} done')).toEqual({ value: { a: { b: 2 } } })
    expect(readJsonReply('no json')).toBeUndefined()
  })
})
