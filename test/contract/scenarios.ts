import type OpenAI from 'openai'
import type { MockReply } from '../helpers/mock-openai-upstream.js'
import { lastRequest, readErrorResponse, summarizeCompletion, summarizeStream, type VendorUnderTest } from './contract-harness.js'

/** A 1x1 transparent PNG. */
export const tinyPng = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}

const hello: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'developer', content: 'Answer briefly.' },
  { role: 'user', content: 'Say hello.' },
]

/** The scenarios every provider must pass, and the client request of each. */
export const scenarioRequests = {
  plainText: { messages: hello, temperature: 0.5, top_p: 0.9, stop: ['END'], max_tokens: 100 },
  streamedText: { messages: hello, stream: true },
  usageInStream: { messages: hello, stream: true, stream_options: { include_usage: true } },
  oneToolCall: { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto', stream: true },
  twoToolCalls: {
    messages: [{ role: 'user', content: 'Weather in Paris and in Rome?' }],
    tools: [weatherTool],
    tool_choice: 'required',
    parallel_tool_calls: true,
    stream: true,
  },
  toolResultRoundTrip: {
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_paris_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_paris_1', content: '18 degrees and sunny' },
    ],
    tools: [weatherTool],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  },
  imageInput: {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image_url', image_url: { url: tinyPng } },
        ],
      },
    ],
  },
  jsonSchema: {
    messages: [{ role: 'user', content: 'Give me a city and its country.' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'place',
        strict: true,
        schema: {
          type: 'object',
          properties: { city: { type: 'string' }, country: { type: 'string' } },
          required: ['city', 'country'],
          additionalProperties: false,
        },
      },
    },
  },
  thinking: { messages: [{ role: 'user', content: 'What is 17 * 23?' }], reasoning_effort: 'low', stream: true, stream_options: { include_usage: true } },
  maxTokensFinish: { messages: hello, max_tokens: 5, stream: true },
  safetyFinish: { messages: [{ role: 'user', content: 'Something the vendor refuses.' }], stream: true },
  malformedChunk: { messages: hello, stream: true },
} satisfies Record<string, Omit<OpenAI.ChatCompletionCreateParams, 'model'>>

export type ScenarioName = keyof typeof scenarioRequests
export type ErrorScenario = 'error400' | 'error401' | 'error429' | 'error500'

/** What the vendor's mock answers in each scenario: written per vendor, in the vendor's own wire format. */
export type VendorFixtures = Record<ScenarioName | ErrorScenario | 'abort', MockReply>

/**
 * Runs one scenario: the mock answers with the vendor's fixture, the official openai SDK asks the proxy.
 * Returns what the client reassembled and what the vendor received.
 */
export async function runScenario(
  t: VendorUnderTest,
  fixtures: VendorFixtures,
  name: ScenarioName,
): Promise<{ output: unknown; vendorRequest: { path: string; body: unknown } }> {
  t.upstream.setHandler(() => fixtures[name])
  const request = { ...scenarioRequests[name], model: t.model } as OpenAI.ChatCompletionCreateParams
  let output: unknown
  if (request.stream === true) {
    try {
      output = await summarizeStream(await t.client.chat.completions.create(request))
    } catch (error) {
      // a stream that fails after it started: the SDK throws the error event's error
      output = { streamError: error instanceof Error ? { name: error.name, message: error.message } : String(error) }
    }
  } else {
    output = summarizeCompletion(await t.client.chat.completions.create(request))
  }
  return { output, vendorRequest: lastRequest(t.upstream) }
}

/** An error scenario through raw HTTP: status, Retry-After and the OpenAI error body. */
export async function runErrorScenario(t: VendorUnderTest, fixtures: VendorFixtures, name: ErrorScenario): Promise<unknown> {
  t.upstream.setHandler(() => fixtures[name])
  return readErrorResponse(t, { model: t.model, messages: [{ role: 'user', content: 'hi' }] })
}

/**
 * A client that leaves mid-stream: the vendor's mock must see its socket closed.
 * Returns the text the client got before it left.
 */
export async function runAbortScenario(t: VendorUnderTest, fixtures: VendorFixtures): Promise<string> {
  t.upstream.setHandler(() => fixtures.abort)
  const controller = new AbortController()
  const stream = await t.client.chat.completions.create({ model: t.model, messages: hello, stream: true }, { signal: controller.signal })
  let text = ''
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (text !== '') controller.abort()
    }
  } catch {
    // the SDK throws an abort error
  }
  await t.upstream.waitForClosed(1, 5000)
  return text
}
