import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startVendorUnderTest, vendorKeys, type VendorUnderTest } from './contract-harness.js'
import { geminiFixtures as fixtures, permissionDeniedReply } from './fixtures/gemini-fixtures.js'
import { runAbortScenario, runErrorScenario, runScenario } from './scenarios.js'

describe('provider contract: gemini', () => {
  let t: VendorUnderTest
  beforeAll(async () => {
    t = await startVendorUnderTest('gemini')
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
          "total_tokens": 23,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "Say hello.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {
            "maxOutputTokens": 100,
            "stopSequences": [
              "END",
            ],
            "temperature": 0.5,
            "topP": 0.9,
          },
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer briefly.",
              },
            ],
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:generateContent",
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Say hello.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer briefly.",
              },
            ],
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
          "completion_tokens": 12,
          "prompt_tokens": 8,
          "total_tokens": 20,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "Say hello.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer briefly.",
              },
            ],
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
                "arguments": "{"city":"Paris"}",
                "id": "call_gemini_iKgcR6qblTgP9CdZ3XjoOj",
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Weather in Paris?",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "toolConfig": {
            "functionCallingConfig": {
              "mode": "AUTO",
            },
          },
          "tools": [
            {
              "functionDeclarations": [
                {
                  "description": "The current weather in a city",
                  "name": "get_weather",
                  "parametersJsonSchema": {
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
              ],
            },
          ],
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
                "arguments": "{"city":"Paris"}",
                "id": "call_gemini_iKgcR6qblTgP9CdZ3XjoOj",
                "index": 0,
                "name": "get_weather",
              },
              {
                "arguments": "{"city":"Rome"}",
                "id": "call_gemini_8vgiJOpdKLqYisOfNVucaM",
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Weather in Paris and in Rome?",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "toolConfig": {
            "functionCallingConfig": {
              "mode": "ANY",
            },
          },
          "tools": [
            {
              "functionDeclarations": [
                {
                  "description": "The current weather in a city",
                  "name": "get_weather",
                  "parametersJsonSchema": {
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
              ],
            },
          ],
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
          "prompt_tokens": 8,
          "total_tokens": 20,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "Weather in Paris?",
                },
              ],
              "role": "user",
            },
            {
              "parts": [
                {
                  "functionCall": {
                    "args": {
                      "city": "Paris",
                    },
                    "id": "call_paris_1",
                    "name": "get_weather",
                  },
                },
              ],
              "role": "model",
            },
            {
              "parts": [
                {
                  "functionResponse": {
                    "id": "call_paris_1",
                    "name": "get_weather",
                    "response": {
                      "result": "18 degrees and sunny",
                    },
                  },
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "toolConfig": {
            "functionCallingConfig": {
              "allowedFunctionNames": [
                "get_weather",
              ],
              "mode": "ANY",
            },
          },
          "tools": [
            {
              "functionDeclarations": [
                {
                  "description": "The current weather in a city",
                  "name": "get_weather",
                  "parametersJsonSchema": {
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
              ],
            },
          ],
        },
        "path": "/v1beta/models/gemini-2.0-flash:generateContent",
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
          "prompt_tokens": 8,
          "total_tokens": 20,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "What is in this image?",
                },
                {
                  "inlineData": {
                    "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
                    "mimeType": "image/png",
                  },
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
        },
        "path": "/v1beta/models/gemini-2.0-flash:generateContent",
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
          "prompt_tokens": 8,
          "total_tokens": 20,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "Give me a city and its country.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {
            "responseJsonSchema": {
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
            "responseMimeType": "application/json",
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:generateContent",
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
            "reasoning_tokens": 45,
          },
          "prompt_tokens": 9,
          "prompt_tokens_details": {
            "cached_tokens": 4,
          },
          "total_tokens": 56,
        },
      }
    `)
    expect(vendorRequest).toMatchInlineSnapshot(`
      {
        "body": {
          "contents": [
            {
              "parts": [
                {
                  "text": "What is 17 * 23?",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {
            "thinkingConfig": {
              "includeThoughts": true,
              "thinkingBudget": 1024,
            },
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Say hello.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {
            "maxOutputTokens": 5,
          },
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer briefly.",
              },
            ],
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
      }
    `)
  })

  it('safety finish', async () => {
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Something the vendor refuses.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
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
          "contents": [
            {
              "parts": [
                {
                  "text": "Say hello.",
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {},
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer briefly.",
              },
            ],
          },
        },
        "path": "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
      }
    `)
  })

  it('403 permission denied keeps its status', async () => {
    expect(await runErrorScenario(t, { ...fixtures, error500: permissionDeniedReply }, 'error500')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "PERMISSION_DENIED",
            "message": "Method doesn't allow unregistered callers.",
            "param": null,
            "type": "permission_error",
          },
        },
        "retryAfter": null,
        "status": 403,
      }
    `)
  })

  it('errors: 400, 401 (Gemini sends 400 API_KEY_INVALID), 429 with retryDelay as Retry-After, 500', async () => {
    expect(await runErrorScenario(t, fixtures, 'error400')).toMatchInlineSnapshot(`
      {
        "body": {
          "error": {
            "code": "INVALID_ARGUMENT",
            "message": "* GenerateContentRequest.contents: contents is not specified",
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
            "code": "invalid_api_key",
            "message": "API key not valid. Please pass a valid API key.",
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
            "code": "RESOURCE_EXHAUSTED",
            "message": "You exceeded your current quota, please check your plan and billing details.",
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
            "code": "INTERNAL",
            "message": "An internal error has occurred.",
            "param": null,
            "type": "upstream_error",
          },
        },
        "retryAfter": null,
        "status": 502,
      }
    `)
    expect(t.upstream.requests[0]?.headers['x-goog-api-key']).toBe(vendorKeys.gemini)
  })

  it('an aborted request closes the upstream socket', async () => {
    expect(await runAbortScenario(t, fixtures)).toBe('Hel')
    expect(t.upstream.closedEarly).toBe(1)
  })
})
