import { describe, expect, it } from 'vitest'
import { convertToAnthropicRequest, defaultAnthropicMaxTokens } from '../../providers/anthropic/convert-to-anthropic-request.js'
import { convertGeminiResponse, createGeminiStreamState } from '../../providers/gemini/convert-gemini-response.js'
import { convertToGeminiRequest } from '../../providers/gemini/convert-to-gemini-request.js'
import type { ModelRequest } from '../../src/core/request.js'

const base: ModelRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], extra: {} }
const tool = { name: 'get_weather', parameters: { type: 'object', properties: {} } }

describe('Anthropic request translation', () => {
  it('passes https image URLs for Anthropic to fetch and refuses other schemes', () => {
    const body = convertToAnthropicRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] }] }, false)
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }] }])
    expect(() => convertToAnthropicRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'image', url: 'file:///etc/passwd' }] }] }, false)).toThrow(
      /data URL or an http/,
    )
  })

  it('turns parallel_tool_calls: false into disable_parallel_tool_use', () => {
    expect(convertToAnthropicRequest({ ...base, tools: [tool], parallelToolCalls: false }, false).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    })
    expect(convertToAnthropicRequest({ ...base, tools: [tool], toolChoice: 'none' }, false).tool_choice).toEqual({ type: 'none' })
  })

  it('drops sampling settings while thinking and keeps the budget under max_tokens', () => {
    const body = convertToAnthropicRequest({ ...base, reasoningEffort: 'high', temperature: 0.3, topP: 0.5, maxOutputTokens: 4000 }, true)
    expect(body).toMatchObject({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 3999 } })
    expect(body).not.toHaveProperty('temperature')
    expect(body).not.toHaveProperty('top_p')
    expect(convertToAnthropicRequest({ ...base, reasoningEffort: 'none', temperature: 0.3 }, true)).toMatchObject({ temperature: 0.3 })
  })

  it('runs a turn that continues from a tool call without thinking (the signature cannot round-trip)', () => {
    const body = convertToAnthropicRequest(
      {
        ...base,
        reasoningEffort: 'low',
        messages: [
          ...base.messages,
          { role: 'assistant', content: [{ type: 'tool-call', id: 'a', name: 'f', arguments: '{}' }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', content: [{ type: 'text', text: '1' }] }] },
        ],
      },
      true,
    )
    expect(body).not.toHaveProperty('thinking')
  })

  it('chooses max_tokens per model family', () => {
    expect([
      defaultAnthropicMaxTokens('claude-3-haiku-20240307'),
      defaultAnthropicMaxTokens('claude-3-5-sonnet-latest'),
      defaultAnthropicMaxTokens('claude-opus-4-1'),
    ]).toEqual([4096, 8192, 32_000])
  })

  it('merges consecutive tool results into one user turn', () => {
    const body = convertToAnthropicRequest(
      {
        ...base,
        messages: [
          {
            role: 'assistant',
            content: [
              { type: 'tool-call', id: 'a', name: 'f', arguments: '{}' },
              { type: 'tool-call', id: 'b', name: 'f', arguments: '{}' },
            ],
          },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', content: [{ type: 'text', text: '1' }] }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'b', content: [{ type: 'text', text: '2' }] }] },
        ],
      },
      false,
    )
    expect((body.messages as Array<{ role: string; content: unknown[] }>).map((message) => [message.role, message.content.length])).toEqual([
      ['assistant', 2],
      ['user', 2],
    ])
  })
})

describe('Gemini translation', () => {
  it('refuses a tool result whose call is not in the conversation (Gemini needs the function name)', () => {
    expect(() =>
      convertToGeminiRequest({
        ...base,
        model: 'gemini-2.0-flash',
        messages: [{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'x', content: [] }] }],
      }),
    ).toThrow(/No assistant tool call has the id 'x'/)
  })

  it('does not send back call ids the proxy generated', () => {
    const request = convertToGeminiRequest({
      ...base,
      model: 'gemini-2.0-flash',
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', id: 'call_gemini_abc', name: 'f', arguments: '{"a":1}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_gemini_abc', content: [{ type: 'text', text: 'ok' }] }] },
      ],
    })
    expect(request.contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { result: 'ok' } } }] },
    ])
  })

  it('a blocked prompt finishes every choice with content_filter', () => {
    const state = createGeminiStreamState(2)
    const events = [...convertGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5 } }, state)]
    expect(events.filter((event) => event.type === 'finish')).toEqual([
      { type: 'finish', choice: 0, finishReason: 'content-filter' },
      { type: 'finish', choice: 1, finishReason: 'content-filter' },
    ])
  })
})
