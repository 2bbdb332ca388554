import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startVendorUnderTest, vendorKeys, type VendorUnderTest } from './contract-harness.js'
import { anthropicFixtures as fixtures, overloadedReply } from './fixtures/anthropic-fixtures.js'
import { buildAnthropicError, buildAnthropicTextEvents, formatAnthropicEvents } from '../helpers/mock-anthropic-upstream.js'
import { runAbortScenario, runErrorScenario, runScenario } from './scenarios.js'

describe('provider contract: anthropic', () => {
  let t: VendorUnderTest
  beforeAll(async () => {
    t = await startVendorUnderTest('anthropic')
  })
  afterAll(() => t.close())
  beforeEach(() => t.upstream.reset())

  it('plain text', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'plainText')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "stop",
            "message": {
              "content": "Hello!",
              "refusal": null,
              "role": "assistant",
            },
          },
        ],
        "usage": {
          "completion_tokens": 3,
          "prompt_tokens": 20,
          "prompt_tokens_details": {
            "cached_tokens": 0,
          },
          "total_tokens": 23,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 100,
          "messages": [
            {
              "content": [
                {
                  "text": "Say hello.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stop_sequences": [
            "END",
          ],
          "system": [
            {
              "text": "Answer briefly.",
              "type": "text",
            },
          ],
          "temperature": 0.5,
          "top_p": 0.9,
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('streamed text', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'streamedText')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "Hello!",
            "finish_reason": "stop",
            "reasoning_content": "",
            "tool_calls": [],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": null,
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Say hello.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "system": [
            {
              "text": "Answer briefly.",
              "type": "text",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('usage in stream', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'usageInStream')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "Hello!",
            "finish_reason": "stop",
            "reasoning_content": "",
            "tool_calls": [],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": {
          "completion_tokens": 7,
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "cached_tokens": 0,
          },
          "total_tokens": 32,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Say hello.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "system": [
            {
              "text": "Answer briefly.",
              "type": "text",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('one tool call, streamed', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'oneToolCall')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "Let me check.",
            "finish_reason": "tool_calls",
            "reasoning_content": "",
            "tool_calls": [
              {
                "arguments": "{"city": "Paris"}",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "index": 0,
                "name": "get_weather",
              },
            ],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": null,
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Weather in Paris?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "tools": [
            {
              "description": "The current weather in a city",
              "input_schema": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                ],
                "type": "object",
              },
              "name": "get_weather",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('two parallel tool calls, streamed', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'twoToolCalls')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "",
            "finish_reason": "tool_calls",
            "reasoning_content": "",
            "tool_calls": [
              {
                "arguments": "{"city": "Paris"}",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "index": 0,
                "name": "get_weather",
              },
              {
                "arguments": "{"city": "Rome"}",
                "id": "toolu_01B2c3d4e5f6g7h8i9j0k1l2m",
                "index": 1,
                "name": "get_weather",
              },
            ],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": null,
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Weather in Paris and in Rome?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "tool_choice": {
            "type": "any",
          },
          "tools": [
            {
              "description": "The current weather in a city",
              "input_schema": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                ],
                "type": "object",
              },
              "name": "get_weather",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('tool result round trip', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'toolResultRoundTrip')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "stop",
            "message": {
              "content": "It is 18 degrees and sunny in Paris.",
              "refusal": null,
              "role": "assistant",
            },
          },
        ],
        "usage": {
          "completion_tokens": 12,
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Weather in Paris?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
            {
              "content": [
                {
                  "id": "call_paris_1",
                  "input": {
                    "city": "Paris",
                  },
                  "name": "get_weather",
                  "type": "tool_use",
                },
              ],
              "role": "assistant",
            },
            {
              "content": [
                {
                  "content": [
                    {
                      "text": "18 degrees and sunny",
                      "type": "text",
                    },
                  ],
                  "tool_use_id": "call_paris_1",
                  "type": "tool_result",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "tool_choice": {
            "name": "get_weather",
            "type": "tool",
          },
          "tools": [
            {
              "description": "The current weather in a city",
              "input_schema": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                ],
                "type": "object",
              },
              "name": "get_weather",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('image input', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'imageInput')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "stop",
            "message": {
              "content": "A transparent pixel.",
              "refusal": null,
              "role": "assistant",
            },
          },
        ],
        "usage": {
          "completion_tokens": 12,
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "What is in this image?",
                  "type": "text",
                },
                {
                  "source": {
                    "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
                    "media_type": "image/png",
                    "type": "base64",
                  },
                  "type": "image",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('JSON schema output', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'jsonSchema')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "finish_reason": "stop",
            "message": {
              "content": "{"city":"Paris","country":"France"}",
              "refusal": null,
              "role": "assistant",
            },
          },
        ],
        "usage": {
          "completion_tokens": 12,
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Give me a city and its country.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "output_config": {
            "format": {
              "schema": {
                "additionalProperties": false,
                "properties": {
                  "city": {
                    "type": "string",
                  },
                  "country": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                  "country",
                ],
                "type": "object",
              },
              "type": "json_schema",
            },
          },
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('thinking as reasoning_content', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'thinking')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "391",
            "finish_reason": "stop",
            "reasoning_content": "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391.",
            "tool_calls": [],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": {
          "completion_tokens": 60,
          "completion_tokens_details": {
            "reasoning_tokens": 45,
          },
          "prompt_tokens": 130,
          "prompt_tokens_details": {
            "cached_tokens": 100,
          },
          "total_tokens": 190,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "What is 17 * 23?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "thinking": {
            "budget_tokens": 2048,
            "type": "enabled",
          },
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('max-tokens finish', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'maxTokensFinish')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "Hello, how are",
            "finish_reason": "length",
            "reasoning_content": "",
            "tool_calls": [],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": null,
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 5,
          "messages": [
            {
              "content": [
                {
                  "text": "Say hello.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "system": [
            {
              "text": "Answer briefly.",
              "type": "text",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('refusal finish', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'safetyFinish')
    expect(output).toMatchInlineSnapshot(`
      {
        "choices": [
          {
            "content": "I can",
            "finish_reason": "content_filter",
            "reasoning_content": "",
            "tool_calls": [],
          },
        ],
        "toolCallDeltasHaveIndex": true,
        "usage": null,
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Something the vendor refuses.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('a malformed chunk', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'malformedChunk')
    expect(output).toMatchInlineSnapshot(`
      {
        "streamError": {
          "message": "The upstream sent an invalid response: a stream event is not JSON.",
          "name": "Error",
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 32000,
          "messages": [
            {
              "content": [
                {
                  "text": "Say hello.",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-sonnet-4-5",
          "stream": true,
          "system": [
            {
              "text": "Answer briefly.",
              "type": "text",
            },
          ],
        },
        "path": "/v1/messages",
      }
    `)
  })

  it('529 overloaded is a 503', async () => {
    expect(await runErrorScenario(t, { ...fixtures, error500: overloadedReply }, 'error500')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "overloaded_error",
            "message": "Overloaded",
            "param": null,
            "type": "upstream_error",
          },
        },
        "retryAfter": null,
        "status": 503,
      }
    `)
  })

  it('errors: 400, 401, 429 with Retry-After, 500', async () => {
    expect(await runErrorScenario(t, fixtures, 'error400')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_request_error",
            "message": "messages: at least one message is required",
            "param": null,
            "type": "invalid_request_error",
          },
        },
        "retryAfter": null,
        "status": 400,
      }
    `)
    expect(await runErrorScenario(t, fixtures, 'error401')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "authentication_error",
            "message": "invalid x-api-key",
            "param": null,
            "type": "authentication_error",
          },
        },
        "retryAfter": null,
        "status": 401,
      }
    `)
    expect(await runErrorScenario(t, fixtures, 'error429')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "rate_limit_error",
            "message": "Number of request tokens has exceeded your per-minute rate limit",
            "param": null,
            "type": "rate_limit_error",
          },
        },
        "retryAfter": "17",
        "status": 429,
      }
    `)
    expect(await runErrorScenario(t, fixtures, 'error500')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "api_error",
            "message": "Internal server error",
            "param": null,
            "type": "upstream_error",
          },
        },
        "retryAfter": null,
        "status": 502,
      }
    `)
    expect(t.upstream.requests[0]?.headers['x-api-key']).toBe(vendorKeys.anthropic)
  })

  it('an error event mid-stream ends the stream with that error', async () => {
    const frames = formatAnthropicEvents(buildAnthropicTextEvents(['Hello']).slice(0, 4))
    t.upstream.setHandler(() => ({
      kind: 'sse',
      done: false,
      events: [...frames, `event: error\ndata: ${JSON.stringify(buildAnthropicError('overloaded_error', 'Overloaded'))}\n\n`],
    }))
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: t.model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const text = await response.text()
    expect(text).toContain('"content":"Hello"')
    expect(text).toContain('data: {"error":{"message":"Overloaded","type":"upstream_error","param":null,"code":"overloaded_error"}}')
    expect(text).not.toContain('[DONE]')
  })

  it('an aborted request closes the upstream socket', async () => {
    expect(await runAbortScenario(t, fixtures)).toBe('Hel')
    expect(t.upstream.closedEarly).toBe(1)
  })
})
