import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAnthropicProvider } from '../../providers/anthropic/index.js'
import { createGeminiProvider } from '../../providers/gemini/index.js'
import type { Provider } from '../../src/core/provider.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { buildAnthropicTextEvents, replyWithAnthropicEvents, startMockAnthropicUpstream } from '../helpers/mock-anthropic-upstream.js'
import { buildGeminiTextChunks, replyWithGeminiEvents, startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import type { MockReply } from '../helpers/mock-openai-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'

const deadlineMs = 300
const pieces = ['one ', 'two ', 'three ', 'four ', 'five']

describe.each([
  {
    name: 'anthropic',
    startMock: startMockAnthropicUpstream,
    createProvider: (baseURL: string) => createAnthropicProvider({ baseURL, apiKey: 'k', timeoutMs: deadlineMs }),
    model: 'claude-sonnet-4-5',
    // ten events 100 ms apart: the whole answer takes longer than the deadline
    slowReply: (): MockReply => replyWithAnthropicEvents(buildAnthropicTextEvents(pieces), { delayMs: 100 }),
  },
  {
    name: 'gemini',
    startMock: startMockGeminiUpstream,
    createProvider: (baseURL: string) => createGeminiProvider({ baseURL, apiKey: 'k', timeoutMs: deadlineMs }),
    model: 'gemini-2.0-flash',
    slowReply: (): MockReply => replyWithGeminiEvents(buildGeminiTextChunks(pieces), { delayMs: 100 }),
  },
])('$name: the upstream timeout', ({ startMock, createProvider, model, slowReply }) => {
  let mock: MockVendorUpstream
  let provider: Provider
  const request = { model, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }], extra: {} }
  beforeAll(async () => {
    mock = await startMock()
    provider = createProvider(mock.baseURL)
  })
  afterAll(() => mock.close())

  it('an upstream that does not start answering is a 504 timeout, not a cancellation, and its connection is closed', async () => {
    mock.reset()
    mock.setHandler(() => ({ kind: 'hang' }))
    await expect(provider.generate(request, { signal: new AbortController().signal })).rejects.toMatchObject({ status: 504, type: 'timeout_error' })
    const events: StreamEvent[] = []
    for await (const event of provider.stream(request, { signal: new AbortController().signal })) events.push(event)
    expect(events).toMatchObject([{ type: 'error', error: { status: 504, type: 'timeout_error' } }])
    await mock.waitForClosed(2)
  })

  it('a stream that has started is not cut by the deadline', async () => {
    mock.reset()
    mock.setHandler(slowReply)
    let text = ''
    for await (const event of provider.stream(request, { signal: new AbortController().signal })) {
      if (event.type === 'error') throw event.error
      if (event.type === 'text-delta') text += event.delta
    }
    expect(text).toBe(pieces.join(''))
  })
})
