import type { Config } from '../../src/config.js'
import { Agent, OpenAIResponsesModel, Runner, tool } from '@openai/agents'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import {
  buildAnthropicMessage,
  buildAnthropicMessageStart,
  replyWithAnthropicEvents,
  startMockAnthropicUpstream,
  type AnthropicWireEvent,
} from '../helpers/mock-anthropic-upstream.js'
import { buildGeminiResponse, replyWithGeminiEvents, startMockGeminiUpstream } from '../helpers/mock-gemini-upstream.js'
import type { MockVendorUpstream } from '../helpers/mock-vendor-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

/**
 * One upstream the agent runs against through the proxy's /v1/responses. Each variant starts the proxy in front of
 * its own mock (speaking only that vendor's API) and scripts it: a tool call first, then a final answer once the
 * tool's result is in the conversation.
 * The Anthropic and Gemini variants route `claude-*` and `gemini-*` models to mocks that speak only the Messages API
 * and generateContent: the proxy translates the Responses turn into each vendor's own tool-call format and back.
 */
interface AgentUpstreamVariant {
  name: string
  /** The model name the agent asks the proxy for. */
  model: string
  start(): Promise<{ baseURL: string; upstreamRequests: () => RecordedRequest[]; close(): Promise<void> }>
  /** Checks the upstream calls of one agent run in the vendor's own terms: the tool turn, then the answer with the tool's result. */
  expectToolTurn(requests: RecordedRequest[]): void
}

/** The OpenAI-compatible mock: it speaks Chat Completions only (a /v1/responses call to it would be a 404). */
const chatCompletionsUpstream: AgentUpstreamVariant = {
  name: 'an upstream that speaks only Chat Completions',
  model: 'gpt-4o-mini',
  async start() {
    const proxy: ProxyUnderTest = await startProxyUnderTest()
    proxy.upstream.setHandler((request) => {
      const body = request.body as { stream?: boolean; messages: Array<{ role: string; content: unknown }> }
      const toolResult = body.messages.find((message) => message.role === 'tool')
      if (toolResult === undefined) {
        const call = { id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }
        return body.stream === true
          ? {
              kind: 'sse',
              events: buildChatCompletionChunks({
                toolCalls: [{ id: call.id, name: call.name, argumentsChunks: ['{"city":', '"Paris"}'] }],
                includeUsage: true,
              }),
            }
          : { kind: 'json', body: buildChatCompletion({ toolCalls: [call] }) }
      }
      const answer = weatherAnswer(String(toolResult.content))
      return body.stream === true
        ? { kind: 'sse', events: buildChatCompletionChunks({ text: [answer.slice(0, 10), answer.slice(10)], includeUsage: true }) }
        : { kind: 'json', body: buildChatCompletion({ content: answer }) }
    })
    return { baseURL: proxy.baseURL, upstreamRequests: () => proxy.upstream.requests, close: () => proxy.close() }
  },
  expectToolTurn(requests) {
    expect(requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions'])
    // the second call carries the whole turn: the user's question, the model's tool call and the tool's result
    const messages = (requests[1]?.body as { messages: Array<{ role: string }> }).messages.map((message) => message.role)
    expect(messages).toEqual(['system', 'user', 'assistant', 'tool'])
  },
}

const weatherAnswer = (toolOutput: string): string => `The weather in Paris: ${toolOutput}`

/** Starts a proxy whose Anthropic or Gemini provider points at the given mock (the OpenAI-compatible mock stays unused). */
async function startProxyInFrontOf(
  vendor: MockVendorUpstream,
  settings: Partial<Config>,
): Promise<{ baseURL: string; upstreamRequests: () => RecordedRequest[]; close(): Promise<void> }> {
  const proxy = await startProxyUnderTest(settings)
  return {
    baseURL: proxy.baseURL,
    upstreamRequests: () => vendor.requests,
    close: async () => {
      await proxy.close()
      await vendor.close()
    },
  }
}

/** The Anthropic mock: Messages API only; the tool call is a `tool_use` block, its result comes back as `tool_result`. */
const anthropicUpstream: AgentUpstreamVariant = {
  name: 'an Anthropic Messages API',
  model: 'claude-sonnet-4-5',
  async start() {
    const anthropic = await startMockAnthropicUpstream()
    anthropic.setHandler((request) => {
      const body = request.body as { stream?: boolean; messages: Array<{ role: string; content: unknown }> }
      const toolResult = body.messages
        .flatMap((message) => (Array.isArray(message.content) ? (message.content as Array<{ type: string; content?: Array<{ text: string }> }>) : []))
        .find((block) => block.type === 'tool_result')
      if (toolResult === undefined) {
        const call = { type: 'tool_use', id: 'toolu_01Weather0000000000000001', name: 'get_weather', input: { city: 'Paris' } }
        if (body.stream !== true) return { kind: 'json', body: buildAnthropicMessage([call], 'tool_use') }
        const events: AnthropicWireEvent[] = [
          buildAnthropicMessageStart(),
          { type: 'content_block_start', index: 0, content_block: { ...call, input: {} } },
          { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
          { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
          { type: 'content_block_stop', index: 0 },
          { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } },
          { type: 'message_stop' },
        ]
        return replyWithAnthropicEvents(events)
      }
      const answer = weatherAnswer((toolResult.content ?? []).map((part) => part.text).join(''))
      if (body.stream !== true) return { kind: 'json', body: buildAnthropicMessage([{ type: 'text', text: answer }]) }
      return replyWithAnthropicEvents([
        buildAnthropicMessageStart(),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: answer.slice(0, 10) } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: answer.slice(10) } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } },
        { type: 'message_stop' },
      ])
    })
    return startProxyInFrontOf(anthropic, { anthropicBaseUrl: anthropic.baseURL, anthropicApiKey: 'sk-ant-test-key-0001' })
  },
  expectToolTurn(requests) {
    expect(requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/messages'])
    const second = requests[1]?.body as { system?: unknown; messages: Array<{ role: string; content: Array<{ type: string; tool_use_id?: string }> }> }
    expect(second.system).toBeDefined()
    expect(second.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(second.messages[1]?.content.map((block) => block.type)).toContain('tool_use')
    expect(second.messages[2]?.content).toEqual([expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_01Weather0000000000000001' })])
  },
}

/** The Gemini mock: generateContent only; the tool call is a `functionCall` part, its result a `functionResponse`. */
const geminiUpstream: AgentUpstreamVariant = {
  name: 'a Gemini generateContent API',
  model: 'gemini-2.0-flash',
  async start() {
    const gemini = await startMockGeminiUpstream()
    gemini.setHandler((request) => {
      const streaming = request.path.includes(':streamGenerateContent')
      const body = request.body as { contents: Array<{ role: string; parts: Array<{ functionResponse?: { response: { result: string } } }> }> }
      const toolResult = body.contents.flatMap((content) => content.parts).find((part) => part.functionResponse !== undefined)
      if (toolResult === undefined) {
        const reply = buildGeminiResponse([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], { finishReason: 'STOP' })
        return streaming ? replyWithGeminiEvents([reply]) : { kind: 'json', body: reply }
      }
      const answer = weatherAnswer(toolResult.functionResponse?.response.result ?? '')
      if (!streaming) return { kind: 'json', body: buildGeminiResponse([{ text: answer }], { finishReason: 'STOP' }) }
      return replyWithGeminiEvents([
        buildGeminiResponse([{ text: answer.slice(0, 10) }]),
        buildGeminiResponse([{ text: answer.slice(10) }], { finishReason: 'STOP' }),
      ])
    })
    return startProxyInFrontOf(gemini, { geminiBaseUrl: gemini.baseURL, geminiApiKey: 'AIzaTestKey0001' })
  },
  expectToolTurn(requests) {
    expect(requests.map((request) => new URL(request.path, 'http://mock').pathname.split(':')[0])).toEqual([
      '/v1beta/models/gemini-2.0-flash',
      '/v1beta/models/gemini-2.0-flash',
    ])
    const second = requests[1]?.body as { systemInstruction?: unknown; contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> }
    expect(second.systemInstruction).toBeDefined()
    expect(second.contents.map((content) => content.role)).toEqual(['user', 'model', 'user'])
    expect(second.contents[1]?.parts).toContainEqual(
      expect.objectContaining({ functionCall: expect.objectContaining({ name: 'get_weather', args: { city: 'Paris' } }) }),
    )
    expect(second.contents[2]?.parts).toEqual([{ functionResponse: expect.objectContaining({ name: 'get_weather' }) }])
  },
}

const variants: AgentUpstreamVariant[] = [chatCompletionsUpstream, anthropicUpstream, geminiUpstream]

describe.each(variants)('@openai/agents through /v1/responses, against $name', (variant) => {
  let started: Awaited<ReturnType<AgentUpstreamVariant['start']>>
  beforeAll(async () => {
    started = await variant.start()
  })
  afterAll(() => started.close())

  const createAgent = (calls: string[]) => {
    const client = new OpenAI({ baseURL: started.baseURL, apiKey: 'sk-client-key', maxRetries: 0 })
    const getWeather = tool({
      name: 'get_weather',
      description: 'The current weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city)
        return `sunny, 21 C in ${city}`
      },
    })
    return new Agent({
      name: 'Weather agent',
      instructions: 'Answer with the weather tool.',
      model: new OpenAIResponsesModel(client, variant.model),
      tools: [getWeather],
    })
  }

  it.each([false, true])('runs an agent with a function tool to its final answer (stream: %s)', async (stream) => {
    const calls: string[] = []
    const runner = new Runner({ tracingDisabled: true })
    const before = started.upstreamRequests().length
    const result = stream
      ? await (async () => {
          const streamed = await runner.run(createAgent(calls), 'What is the weather in Paris?', { stream: true })
          await streamed.completed
          return streamed
        })()
      : await runner.run(createAgent(calls), 'What is the weather in Paris?')
    expect(calls).toEqual(['Paris'])
    expect(result.finalOutput).toBe('The weather in Paris: sunny, 21 C in Paris')
    variant.expectToolTurn(started.upstreamRequests().slice(before))
  })
})
