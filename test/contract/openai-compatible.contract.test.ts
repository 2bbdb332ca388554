import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startVendorUnderTest, vendorKeys, type VendorUnderTest } from './contract-harness.js'
import { openAICompatibleFixtures as fixtures } from './fixtures/openai-compatible-fixtures.js'
import { runAbortScenario, runErrorScenario, runScenario } from './scenarios.js'

describe('provider contract: openai-compatible', () => {
  let t: VendorUnderTest
  beforeAll(async () => {
    t = await startVendorUnderTest('openai-compatible')
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
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 20,
          "prompt_tokens_details": {
            "audio_tokens": 0,
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
              "content": "Answer briefly.",
              "role": "developer",
            },
            {
              "content": "Say hello.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stop": [
            "END",
          ],
          "temperature": 0.5,
          "top_p": 0.9,
        },
        "path": "/v1/chat/completions",
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
          "messages": [
            {
              "content": "Answer briefly.",
              "role": "developer",
            },
            {
              "content": "Say hello.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
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
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
          },
          "total_tokens": 32,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": "Answer briefly.",
              "role": "developer",
            },
            {
              "content": "Say hello.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
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
                "id": "call_Qm9vYmFy1",
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
          "messages": [
            {
              "content": "Weather in Paris?",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
          "tool_choice": "auto",
          "tools": [
            {
              "function": {
                "description": "The current weather in a city",
                "name": "get_weather",
                "parameters": {
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
              },
              "type": "function",
            },
          ],
        },
        "path": "/v1/chat/completions",
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
                "id": "call_Qm9vYmFy1",
                "index": 0,
                "name": "get_weather",
              },
              {
                "arguments": "{"city": "Rome"}",
                "id": "call_Qm9vYmFy2",
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
          "messages": [
            {
              "content": "Weather in Paris and in Rome?",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "parallel_tool_calls": true,
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
          "tool_choice": "required",
          "tools": [
            {
              "function": {
                "description": "The current weather in a city",
                "name": "get_weather",
                "parameters": {
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
              },
              "type": "function",
            },
          ],
        },
        "path": "/v1/chat/completions",
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
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": "Weather in Paris?",
              "role": "user",
            },
            {
              "content": null,
              "role": "assistant",
              "tool_calls": [
                {
                  "function": {
                    "arguments": "{"city":"Paris"}",
                    "name": "get_weather",
                  },
                  "id": "call_paris_1",
                  "type": "function",
                },
              ],
            },
            {
              "content": "18 degrees and sunny",
              "role": "tool",
              "tool_call_id": "call_paris_1",
            },
          ],
          "model": "gpt-4o-mini",
          "tool_choice": {
            "function": {
              "name": "get_weather",
            },
            "type": "function",
          },
          "tools": [
            {
              "function": {
                "description": "The current weather in a city",
                "name": "get_weather",
                "parameters": {
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
              },
              "type": "function",
            },
          ],
        },
        "path": "/v1/chat/completions",
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
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": [
                {
                  "text": "What is in this image?",
                  "type": "text",
                },
                {
                  "image_url": {
                    "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
                  },
                  "type": "image_url",
                },
              ],
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
        },
        "path": "/v1/chat/completions",
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
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 25,
          "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
          },
          "total_tokens": 37,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": "Give me a city and its country.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "response_format": {
            "json_schema": {
              "name": "place",
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
              "strict": true,
            },
            "type": "json_schema",
          },
        },
        "path": "/v1/chat/completions",
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
          "completion_tokens": 47,
          "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 45,
            "rejected_prediction_tokens": 0,
          },
          "prompt_tokens": 9,
          "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 4,
          },
          "total_tokens": 56,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": "What is 17 * 23?",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "reasoning_effort": "low",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
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
              "content": "Answer briefly.",
              "role": "developer",
            },
            {
              "content": "Say hello.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
      }
    `)
  })

  it('content-filter finish', async () => {
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
          "messages": [
            {
              "content": "Something the vendor refuses.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
      }
    `)
  })

  it('a malformed chunk', async () => {
    const { output, vendorRequest } = await runScenario(t, fixtures, 'malformedChunk')
    expect(output).toMatchInlineSnapshot(`
      {
        "streamError": {
          "message": "The upstream sent an invalid response: a stream chunk is not JSON.",
          "name": "Error",
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "messages": [
            {
              "content": "Answer briefly.",
              "role": "developer",
            },
            {
              "content": "Say hello.",
              "role": "user",
            },
          ],
          "model": "gpt-4o-mini",
          "stream": true,
          "stream_options": {
            "include_usage": true,
          },
        },
        "path": "/v1/chat/completions",
      }
    `)
  })

  it('errors: 400, 401, 429 with Retry-After, 500', async () => {
    expect(await runErrorScenario(t, fixtures, 'error400')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "invalid_value",
            "message": "Invalid value for 'messages'.",
            "param": "messages",
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
            "code": "invalid_api_key",
            "message": "Incorrect API key provided: sk-***.",
            "param": null,
            "type": "invalid_request_error",
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
            "code": "rate_limit_exceeded",
            "message": "Rate limit reached for gpt-4o-mini.",
            "param": null,
            "type": "requests",
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
            "code": null,
            "message": "The server had an error while processing your request.",
            "param": null,
            "type": "server_error",
          },
        },
        "retryAfter": null,
        "status": 502,
      }
    `)
    expect(t.upstream.requests[0]?.headers.authorization).toBe(`Bearer ${vendorKeys.openai}`)
  })

  it('an aborted request closes the upstream socket', async () => {
    expect(await runAbortScenario(t, fixtures)).toBe('Hel')
    expect(t.upstream.closedEarly).toBe(1)
  })
})
