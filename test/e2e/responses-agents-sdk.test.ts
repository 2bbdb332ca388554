import { Agent, OpenAIResponsesModel, Runner, tool } from '@openai/agents'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

/**
 * One upstream the agent runs against through the proxy's /v1/responses. Each variant starts the proxy in front of
 * its own mock (speaking only that vendor's API) and scripts it: a tool call first, then a final answer once the
 * tool's result is in the conversation.
 * The Anthropic and Gemini variants are one entry each in `variants`, once their providers and mock servers exist:
 * start the proxy routed to that mock, script it (a tool call, then the answer with the tool's result in it) and
 * say what its two requests must look like.
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
          ? { kind: 'sse', events: buildChatCompletionChunks({ toolCalls: [{ id: call.id, name: call.name, argumentsChunks: ['{"city":', '"Paris"}'] }], includeUsage: true }) }
          : { kind: 'json', body: buildChatCompletion({ toolCalls: [call] }) }
      }
      const answer = `The weather in Paris: ${String(toolResult.content)}`
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

const variants: AgentUpstreamVariant[] = [chatCompletionsUpstream]

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
    return new Agent({ name: 'Weather agent', instructions: 'Answer with the weather tool.', model: new OpenAIResponsesModel(client, variant.model), tools: [getWeather] })
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
