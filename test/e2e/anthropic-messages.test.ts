import type Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'vitest'
import { replyWithAnthropicEvents } from '../helpers/mock-anthropic-upstream.js'
import { buildFullMessage, buildFullStream } from '../helpers/anthropic-current-shapes.js'
import { buildGeminiResponse, replyWithGeminiEvents } from '../helpers/mock-gemini-upstream.js'
import { buildChatCompletion, buildChatCompletionChunks, type MockReply, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { readRawSse } from '../helpers/start-proxy.js'
import { messageSchema, validateMessageStream } from '../helpers/anthropic-response-schemas.js'
import { useMessagesProxy } from '../helpers/start-messages-proxy.js'

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}

/** The three kinds of upstream, each with the model that routes to it and a way to read what it was sent. */
const upstreams = [
  { name: 'OpenAI-compatible', model: 'gpt-4o-mini' },
  { name: 'Gemini', model: 'gemini-2.5-flash' },
  { name: 'Anthropic (passed through as sent)', model: 'claude-sonnet-4-5' },
] as const

/** The SDK's MessageStream adds `parsed_output` to the final message on the client side: not a wire field. */
function withoutClientFields(message: Anthropic.Message): unknown {
  const { parsed_output: _parsed, ...wire } = message as Anthropic.Message & { parsed_output?: unknown }
  return wire
}

/** The tool call each upstream makes, in its own wire format, streamed or whole. */
function replyWithToolCall(kind: 'openai' | 'gemini' | 'anthropic', request: RecordedRequest): MockReply {
  const stream = (request.body as { stream?: boolean }).stream === true || request.path.includes('streamGenerateContent')
  if (kind === 'openai') {
    if (stream)
      return {
        kind: 'sse',
        events: buildChatCompletionChunks({
          toolCalls: [{ id: 'call_weather_1', name: 'get_weather', argumentsChunks: ['{"city":', '"Paris"}'] }],
          includeUsage: true,
        }),
      }
    return { kind: 'json', body: buildChatCompletion({ toolCalls: [{ id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] }) }
  }
  if (kind === 'gemini') {
    const response = buildGeminiResponse([{ functionCall: { id: 'call_weather_1', name: 'get_weather', args: { city: 'Paris' } } }], { finishReason: 'STOP' })
    return stream ? replyWithGeminiEvents([response]) : { kind: 'json', body: response }
  }
  const toolUse = { type: 'tool_use', id: 'toolu_weather_1', name: 'get_weather', input: { city: 'Paris' }, caller: { type: 'direct' } }
  if (!stream) return { kind: 'json', body: buildFullMessage([toolUse], 'tool_use') }
  return replyWithAnthropicEvents(
    buildFullStream(
      [
        {
          start: { ...toolUse, input: {} },
          deltas: [
            { type: 'input_json_delta', partial_json: '{"city":' },
            { type: 'input_json_delta', partial_json: '"Paris"}' },
          ],
        },
      ],
      'tool_use',
    ),
  )
}

describe('POST /v1/messages with the official Anthropic SDK, in front of every provider', () => {
  const t = useMessagesProxy()

  for (const upstream of upstreams) {
    it(`answers a non-streamed request on ${upstream.name} with a valid Message`, async () => {
      const message = await t.client.messages.create({
        model: upstream.model,
        max_tokens: 256,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Say hello.' }],
      })
      messageSchema.parse(message)
      expect(message.content[0]).toMatchObject({ type: 'text' })
      expect((message.content[0] as Anthropic.TextBlock).text).toMatch(/^Hello/)
      expect(message.stop_reason).toBe('end_turn')
      expect(message.usage.output_tokens).toBeGreaterThan(0)
    })

    it(`streams on ${upstream.name}: messages.stream() gives the final message, every event valid and in order`, async () => {
      const stream = t.client.messages.stream({ model: upstream.model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello.' }] })
      const texts: string[] = []
      stream.on('text', (text) => texts.push(text))
      const final = await stream.finalMessage()
      messageSchema.parse(withoutClientFields(final))
      expect(texts.join('')).toMatch(/^Hello/)
      expect(final.content).toEqual([{ type: 'text', text: texts.join(''), citations: null }])
      expect(final.stop_reason).toBe('end_turn')
      expect(final.usage.output_tokens).toBeGreaterThan(0)

      const response = await fetch(`${t.proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-client-key', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: upstream.model, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Say hello.' }] }),
      })
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const raw = await readRawSse(response)
      const events = validateMessageStream(raw.events)
      expect(events.map((event) => event.type).filter((type) => type !== 'ping' && type !== 'content_block_delta')).toEqual([
        'message_start',
        'content_block_start',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ])
    })

    it(`completes a tool-use round trip on ${upstream.name}, streamed and not`, async () => {
      const kind = upstream.model.startsWith('gpt') ? 'openai' : upstream.model.startsWith('gemini') ? 'gemini' : 'anthropic'
      const mock = kind === 'openai' ? t.openai : kind === 'gemini' ? t.gemini : t.anthropic
      mock.setHandler((request) => replyWithToolCall(kind, request))
      const first = await t.client.messages.create({
        model: upstream.model,
        max_tokens: 256,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      })
      messageSchema.parse(first)
      expect(first.stop_reason).toBe('tool_use')
      const toolUse = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')
      expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })

      const streamed = await t.client.messages
        .stream({ model: upstream.model, max_tokens: 256, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris?' }] })
        .finalMessage()
      messageSchema.parse(withoutClientFields(streamed))
      expect(streamed.stop_reason).toBe('tool_use')
      expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })

      mock.reset()
      if (kind === 'anthropic')
        t.anthropic.setHandler(() => ({ kind: 'json', body: buildFullMessage([{ type: 'text', text: 'Sunny, 21 °C.', citations: null }], 'end_turn') }))
      const second = await t.client.messages.create({
        model: upstream.model,
        max_tokens: 256,
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: (toolUse as Anthropic.ToolUseBlock).id, content: 'Sunny, 21 °C', is_error: false }] },
        ],
      })
      messageSchema.parse(second)
      expect(second.stop_reason).toBe('end_turn')
      const sent = JSON.stringify(mock.requests[0]?.body)
      expect(sent).toContain('Sunny, 21 °C')
      expect(sent).toContain('get_weather')
      expect(sent).toContain('Paris')
    })
  }

  it('sends an Anthropic request as it came when the target is Anthropic and the approach is none', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, citations: { enabled: true } },
            { type: 'text', text: 'What colour?' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'The document says blue.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
            { type: 'text', text: 'Blue.' },
          ],
        },
        { role: 'user', content: 'Sure?' },
      ],
      thinking: { type: 'enabled', budget_tokens: 1024, display: 'omitted' },
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      some_future_field: { kept: true },
    }
    const upstreamAnswer = buildFullMessage(
      [
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'sky colour' }, caller: { type: 'direct' } },
        {
          type: 'text',
          text: 'Blue',
          citations: [
            {
              type: 'char_location',
              cited_text: 'The sky is blue.',
              document_index: 0,
              document_title: null,
              start_char_index: 0,
              end_char_index: 16,
              file_id: null,
            },
          ],
        },
      ],
      'end_turn',
    )
    t.anthropic.setHandler(() => ({ kind: 'json', body: upstreamAnswer }))
    const response = await fetch(`${t.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-client-key',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'context-management-2025-06-27',
      },
      body: JSON.stringify(body),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-optiproxy-warnings')).toBeNull()
    expect(await response.json()).toEqual(upstreamAnswer)
    const sent = t.anthropic.requests[0]
    expect(sent?.body).toEqual(body)
    expect(sent?.headers['anthropic-beta']).toBe('context-management-2025-06-27')
    expect(sent?.headers['x-api-key']).toBe('sk-ant-file-key-0001')

    // streamed: every upstream event comes back as it came, in order
    const events = buildFullStream(
      [
        {
          start: { type: 'text', text: '', citations: null },
          deltas: [
            { type: 'text_delta', text: 'Blue' },
            {
              type: 'citations_delta',
              citation: {
                type: 'char_location',
                cited_text: 'The sky is blue.',
                document_index: 0,
                document_title: null,
                start_char_index: 0,
                end_char_index: 16,
                file_id: null,
              },
            },
          ],
        },
      ],
      'end_turn',
    )
    t.anthropic.setHandler(() => replyWithAnthropicEvents(events))
    const streamed = await fetch(`${t.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-client-key' },
      body: JSON.stringify({ ...body, stream: true }),
    })
    const raw = await readRawSse(streamed)
    // the SDK the proxy reads Anthropic with skips pings; everything else arrives verbatim
    expect(raw.events.filter((event) => event.event !== 'ping').map((event) => JSON.parse(event.data) as unknown)).toEqual(
      events.filter((event) => event.type !== 'ping'),
    )
    expect(raw.events.filter((event) => event.event !== 'ping').map((event) => event.event)).toEqual(
      events.filter((event) => event.type !== 'ping').map((event) => event.type),
    )
    expect((t.anthropic.requests[1]?.body as { stream?: boolean }).stream).toBe(true)
  })

  it('routes provider/model names: the vendor gets its own model name, Anthropic still as a pass-through', async () => {
    const viaAnthropic = await t.client.messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
    messageSchema.parse(viaAnthropic)
    expect(t.anthropic.requests[0]?.body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
    const viaGemini = await t.client.messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
    messageSchema.parse(viaGemini)
    expect(t.gemini.requests[0]?.path).toContain('gemini-2.5-flash')
  })

  it('says what translation to another provider could not carry (a header and a log line), never silently', async () => {
    const response = await fetch(`${t.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-client-key' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        top_k: 5,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search' }],
        context_management: { edits: [] },
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    })
    expect(response.status).toBe(200)
    messageSchema.parse(await response.json())
    const warning = response.headers.get('x-optiproxy-warnings') ?? ''
    for (const lost of ['cache_control', "'top_k'", "server tool 'web_search'", "'context_management'"]) expect(warning).toContain(lost)
    const sent = t.openai.requests[0]?.body as { tools?: unknown[]; messages: Array<{ role: string; content: unknown }> }
    expect(sent.tools).toHaveLength(1)
    expect(sent.messages[0]).toMatchObject({ role: 'system', content: 'Be brief.' })
  })

  it('translates images, documents, stop sequences, sampling, tool_choice and thinking for an OpenAI-compatible upstream', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
    // temperature and top_p are left out of this SDK version's types, but the API (and the proxy) take them
    const sampling = { temperature: 0.3, top_p: 0.9 } as Record<string, number>
    await t.client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 5000,
      ...sampling,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-7' },
      thinking: { type: 'enabled', budget_tokens: 8000 },
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'report.pdf' },
            { type: 'text', text: 'Describe.' },
          ],
        },
      ],
    })
    const sent = t.openai.requests[0]?.body as Record<string, unknown>
    expect(sent).toMatchObject({
      max_tokens: 5000,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      user: 'user-7',
      reasoning_effort: 'medium',
      parallel_tool_calls: false,
    })
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } })
    const content = (sent.messages as Array<{ content: Array<Record<string, unknown>> }>)[0]?.content
    expect(content?.map((part) => part.type)).toEqual(['image_url', 'image_url', 'file', 'text'])
    expect(content?.[0]).toMatchObject({ image_url: { url: `data:image/png;base64,${png}` } })
    expect(content?.[1]).toMatchObject({ image_url: { url: 'https://example.com/cat.png' } })
  })

  it('passes a tool_result is_error to Anthropic in a translated request and keeps tool results before the text of the same turn', async () => {
    await t.client.messages.create({
      model: 'moa-claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Oslo' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: 'service down' }], is_error: true },
            { type: 'text', text: 'Try again?' },
          ],
        },
      ],
    })
    // moa runs: every call it makes is the proxy's own translation of the conversation
    expect(t.anthropic.requests.length).toBeGreaterThan(1)
    const sent = t.anthropic.requests[0]?.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> }
    expect(sent.messages[2]?.content.slice(0, 2)).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: 'service down' }], is_error: true },
      { type: 'text', text: 'Try again?' },
    ])
  })
})
