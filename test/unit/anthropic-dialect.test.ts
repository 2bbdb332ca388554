import { describe, expect, it } from 'vitest'
import { toAnthropicError } from '../../src/anthropic/anthropic-error-body.js'
import { estimateInputTokens } from '../../src/anthropic/estimate-input-tokens.js'
import { createMessagesResponder } from '../../src/anthropic/messages-writer.js'
import { parseMessagesRequest } from '../../src/anthropic/parse-messages-request.js'
import { createThinkingSigner } from '../../src/anthropic/thinking-signature.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { formatWarningsHeader } from '../../src/routes/messages.js'
import { streamEventSchema, validateMessageStream } from '../helpers/anthropic-response-schemas.js'

const signer = createThinkingSigner('a-test-secret-of-some-length')

describe('thinking signatures', () => {
  it('recognises its own blocks, tells stale ones (another secret, a changed text) from foreign ones', () => {
    const signature = signer.sign('step one')
    expect(signature).toMatch(/^optiproxy\.v1\.[A-Za-z0-9_-]{43}$/)
    expect(signer.classify('step one', signature)).toBe('ours')
    expect(signer.classify('step two', signature)).toBe('stale')
    expect(createThinkingSigner('another-secret-of-some-length').classify('step one', signature)).toBe('stale')
    expect(signer.classify('step one', 'optiproxy.v1.')).toBe('stale')
    expect(signer.classify('real', 'ErUBCkYIBRgCIkD')).toBe('foreign')
    // without a configured secret, each process has its own
    expect(createThinkingSigner().classify('x', createThinkingSigner().sign('x'))).toBe('stale')
  })
})

describe('parseMessagesRequest', () => {
  const base = { model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }

  it('maps thinking budgets, adaptive thinking and output_config to the canonical fields', () => {
    expect(parseMessagesRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } }, signer).request.reasoningEffort).toBe('low')
    expect(parseMessagesRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 8000 } }, signer).request.reasoningEffort).toBe('medium')
    expect(parseMessagesRequest({ ...base, thinking: { type: 'enabled', budget_tokens: 31_999 } }, signer).request.reasoningEffort).toBe('high')
    expect(parseMessagesRequest({ ...base, thinking: { type: 'adaptive', display: 'omitted' } }, signer).request.reasoningEffort).toBe('medium')
    expect(parseMessagesRequest({ ...base, thinking: { type: 'disabled' } }, signer).request.reasoningEffort).toBeUndefined()
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    expect(parseMessagesRequest({ ...base, output_config: { format: { type: 'json_schema', schema } } }, signer).request.responseFormat).toEqual({
      type: 'json-schema',
      name: 'output',
      schema,
    })
  })

  it('turns system blocks, system-role messages, tool_choice and metadata into canonical fields', () => {
    const parsed = parseMessagesRequest(
      {
        ...base,
        system: [
          { type: 'text', text: 'One.' },
          { type: 'text', text: 'Two.' },
        ],
        messages: [{ role: 'system', content: 'Three.' }, ...base.messages],
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        metadata: { user_id: 'u1' },
        stop_sequences: ['STOP'],
      },
      signer,
    )
    expect(parsed.request.messages.slice(0, 3)).toEqual([
      { role: 'system', content: 'One.' },
      { role: 'system', content: 'Two.' },
      { role: 'system', content: 'Three.' },
    ])
    expect(parsed.request).toMatchObject({
      toolChoice: 'required',
      parallelToolCalls: false,
      user: 'u1',
      stop: ['STOP'],
      maxOutputTokens: 100,
      maxOutputTokensName: 'max_tokens',
    })
    expect(parsed.warnings).toEqual([])
  })

  it('keeps the native body whole except the proxy settings and the proxy-signed thinking', () => {
    const ours = { type: 'thinking', thinking: 'work', signature: signer.sign('work') }
    const theirs = { type: 'thinking', thinking: 'model thought', signature: 'ErUBreal' }
    const parsed = parseMessagesRequest(
      {
        ...base,
        optiproxy: { trace: false },
        extra_field: 1,
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [ours] },
          { role: 'user', content: 'Again' },
          { role: 'assistant', content: [theirs, ours, { type: 'text', text: 'Yes' }] },
          { role: 'user', content: 'Go' },
        ],
      },
      signer,
    )
    expect(parsed.nativeBody).toEqual({
      model: 'gpt-4o',
      max_tokens: 100,
      extra_field: 1,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'Again' },
        { role: 'assistant', content: [theirs, { type: 'text', text: 'Yes' }] },
        { role: 'user', content: 'Go' },
      ],
    })
    expect(parsed.droppedThinking).toEqual({ ours: 2, stale: 0 })
    expect(parsed.optiproxy).toEqual({ trace: false })
    // a translation cannot carry a model's signed thinking, nor the unknown field
    expect(parsed.warnings).toEqual(["'extra_field'", 'thinking blocks'])
    expect(JSON.stringify(parsed.request.messages)).not.toContain('work')
  })

  it('refuses a tool_result block from the assistant and a final empty user message', () => {
    expect(() => parseMessagesRequest({ ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'x' }] }] }, signer)).toThrow(
      /tool_result/,
    )
    expect(() => parseMessagesRequest({ ...base, messages: [{ role: 'user', content: '' }] }, signer)).toThrow(/non-empty/)
    // a final assistant prefill may be empty
    expect(parseMessagesRequest({ ...base, messages: [...base.messages, { role: 'assistant', content: '' }] }, signer).request.messages).toHaveLength(2)
  })
})

describe('the Messages writer', () => {
  const run = (events: StreamEvent[]) => {
    const writer = createMessagesResponder({ model: 'gpt-4o', signer }).createStreamWriter()
    const frames = events.flatMap((event) => (event.type === 'error' ? writer.fail(event.error) : writer.write(event)))
    return [...frames, ...writer.end()]
  }

  it('interleaves blocks in arrival order, each closed before the next, thinking signed at its close', () => {
    const frames = run([
      { type: 'response-metadata', metadata: { model: 'gpt-4o-2024-08-06' } },
      { type: 'reasoning-delta', choice: 0, delta: 'plan' },
      { type: 'text-delta', choice: 0, delta: 'Answer' },
      { type: 'tool-call-delta', choice: 0, index: 0, id: 'call_1', name: 'f', argumentsDelta: '{"a":' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '1}' },
      { type: 'tool-call-delta', choice: 0, index: 1, id: 'call_2', name: 'g', argumentsDelta: '{}' },
      { type: 'finish', choice: 0, finishReason: 'tool-calls' },
      { type: 'usage', usage: { promptTokens: 30, completionTokens: 5, totalTokens: 35, cachedPromptTokens: 10 } },
    ])
    const events = validateMessageStream(frames)
    expect(events[0]).toMatchObject({ type: 'message_start', message: { model: 'gpt-4o-2024-08-06' } })
    expect(events.filter((event) => event.type === 'content_block_start').map((event) => event.content_block.type)).toEqual([
      'thinking',
      'text',
      'tool_use',
      'tool_use',
    ])
    const signature = events.find((event) => event.type === 'content_block_delta' && event.delta.type === 'signature_delta')
    expect(signature).toMatchObject({ index: 0, delta: { signature: signer.sign('plan') } })
    expect(events.at(-2)).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 20, cache_read_input_tokens: 10, output_tokens: 5 },
    })
  })

  it('ends an answer without content properly, and maps length and refusals', () => {
    expect(validateMessageStream(run([{ type: 'finish', choice: 0, finishReason: 'length' }])).at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' } })
    expect(
      validateMessageStream(
        run([
          { type: 'refusal-delta', choice: 0, delta: 'No.' },
          { type: 'finish', choice: 0, finishReason: 'stop' },
        ]),
      ).at(-2),
    ).toMatchObject({ delta: { stop_reason: 'refusal' } })
  })

  it('writes a native answer as it came and nothing of its canonical twin', () => {
    const payload = { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: { type: 'char_location' } } }
    const frames = run([
      { type: 'native', dialect: 'anthropic-messages', payload, whole: false },
      { type: 'text-delta', choice: 0, delta: 'x' },
    ])
    expect(frames).toEqual([{ event: 'content_block_delta', data: JSON.stringify(payload) }])
    expect(() => streamEventSchema.parse(payload)).toThrow()
  })
})

describe('Anthropic errors and warnings', () => {
  it('maps statuses to Anthropic types (an overload is 529, a timeout 504)', () => {
    const error = (status: number) => toAnthropicError(new ProxyError('x', { status, type: 'server_error' }))
    expect([400, 401, 403, 404, 413, 429, 500, 502, 503, 504].map((status) => [error(status).status, error(status).body.error.type])).toEqual([
      [400, 'invalid_request_error'],
      [401, 'authentication_error'],
      [403, 'permission_error'],
      [404, 'not_found_error'],
      [413, 'request_too_large'],
      [429, 'rate_limit_error'],
      [500, 'api_error'],
      [502, 'api_error'],
      [529, 'overloaded_error'],
      [504, 'timeout_error'],
    ])
    expect(toAnthropicError(new Error('secret detail')).body.error.message).not.toContain('secret detail')
  })

  it('the warnings header is printable ASCII and bounded, whatever names the client sent', () => {
    const header = formatWarningsHeader(["server tool 'é\r\nx-injected: 1'", 'x'.repeat(5000)])
    expect(header).toMatch(/^[\x20-\x7e]+$/)
    expect(header.length).toBeLessThanOrEqual(2000)
  })
})

describe('estimateInputTokens', () => {
  it('counts text, tools and images, and grows with the input', async () => {
    const small = await estimateInputTokens({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello world' }] }], extra: {} })
    expect(small).toBeGreaterThanOrEqual(2)
    expect(small).toBeLessThan(20)
    const withImage = await estimateInputTokens({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello world' },
            { type: 'image', url: 'data:image/png;base64,AA' },
          ],
        },
      ],
      extra: {},
    })
    expect(withImage - small).toBe(1600)
    const withTool = await estimateInputTokens({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello world' }] }],
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      extra: {},
    })
    expect(withTool).toBeGreaterThan(small + 5)
  })
})
