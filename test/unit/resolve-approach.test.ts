import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import type { Approach } from '../../src/core/approach.js'
import type { ModelRequest } from '../../src/core/request.js'
import { resolveApproach } from '../../src/routing/resolve-approach.js'

const fake = (id: string): Approach<unknown> => ({ id, description: id, optionsSchema: z.unknown(), run: async function* () {} })
const registry = new Map([fake('none'), fake('moa'), fake('bon')].map((approach) => [approach.id, approach]))
const request = (model: string, messages: ModelRequest['messages'] = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]): ModelRequest => ({
  model,
  messages,
  extra: {},
})
const resolve = (input: { request: ModelRequest; field?: string }) => resolveApproach({ ...input, defaultSlug: 'none', registry })

describe('resolveApproach', () => {
  it('takes the model prefix and strips it', () => {
    const selection = resolve({ request: request('moa-gpt-4o-mini') })
    expect([selection.approach.id, selection.source, selection.request.model]).toEqual(['moa', 'model-prefix', 'gpt-4o-mini'])
  })

  it('keeps unknown prefixes and slash ids as model names, falling back to the default', () => {
    for (const model of ['gpt-4o', 'meta-llama/llama-3.3-70b', 'claude-sonnet-4-5', 'moa']) {
      const selection = resolve({ request: request(model) })
      expect([selection.approach.id, selection.source, selection.request.model]).toEqual(['none', 'default', model])
    }
  })

  it('the request field beats the prefix, whose slug is still stripped; auto means unset', () => {
    expect(resolve({ request: request('moa-gpt-4o'), field: 'bon' })).toMatchObject({
      approach: { id: 'bon' },
      source: 'request-field',
      request: { model: 'gpt-4o' },
    })
    expect(resolve({ request: request('moa-gpt-4o'), field: 'auto' })).toMatchObject({ approach: { id: 'moa' }, source: 'model-prefix' })
  })

  it('the message tag beats the field; it is removed, and a system message holding only the tag disappears', () => {
    const selection = resolve({
      request: request('moa-gpt-4o', [
        { role: 'system', content: '<optillm_approach>bon</optillm_approach>' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ]),
      field: 'none',
    })
    expect(selection.approach.id).toBe('bon')
    expect(selection.source).toBe('message-tag')
    expect(selection.request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
  })

  it('reads the tag from the first user message only when no system message has one', () => {
    const selection = resolve({
      request: request('gpt-4o', [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'image', url: 'data:,' },
            { type: 'text', text: 'Solve <optillm_approach> moa </optillm_approach> this' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: '<optillm_approach>bon</optillm_approach>' }] },
      ]),
    })
    expect(selection.approach.id).toBe('moa')
    expect(selection.request.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'image', url: 'data:,' },
        { type: 'text', text: 'Solve  this' },
      ],
    })
    expect(selection.request.messages[2]).toEqual({ role: 'user', content: [{ type: 'text', text: '<optillm_approach>bon</optillm_approach>' }] })
  })

  it('an unknown slug in a field or tag is a 400 naming the source and listing the known slugs', () => {
    expect(() => resolve({ request: request('gpt-4o'), field: 'magic' })).toThrow(
      expect.objectContaining({ status: 400, param: 'optillm_approach', message: expect.stringContaining('none, moa, bon') }),
    )
  })

  it('reads combinations from the prefix, the field and the tag: & is a pipeline, | parallel branches', () => {
    expect(resolve({ request: request('moa&bon-gpt-4o') })).toMatchObject({
      operator: 'pipeline',
      approaches: [{ id: 'moa' }, { id: 'bon' }],
      source: 'model-prefix',
      request: { model: 'gpt-4o' },
    })
    expect(resolve({ request: request('gpt-4o'), field: 'bon | moa | none' })).toMatchObject({
      operator: 'parallel',
      approaches: [{ id: 'bon' }, { id: 'moa' }, { id: 'none' }],
    })
    expect(resolve({ request: request('gpt-4o'), field: 'moa' })).toMatchObject({ operator: 'single', approaches: [{ id: 'moa' }] })
  })

  it('a combination with an unknown slug or mixed operators is a 400, from any source', () => {
    expect(() => resolve({ request: request('moa&magic-gpt-4o') })).toThrow(
      expect.objectContaining({
        status: 400,
        param: 'model',
        code: 'unknown_approach',
        message: expect.stringContaining("Unknown approach 'magic' in 'moa&magic'. Known approaches: none, moa, bon."),
      }),
    )
    expect(() => resolve({ request: request('gpt-4o'), field: 'moa|' })).toThrow(expect.objectContaining({ status: 400, code: 'unknown_approach' }))
    expect(() => resolve({ request: request('gpt-4o'), field: 'moa&bon|none' })).toThrow(expect.objectContaining({ status: 400, code: 'invalid_approach' }))
  })
})
