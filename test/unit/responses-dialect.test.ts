import { describe, expect, it } from 'vitest'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { createModelRequest, parseResponsesRequest } from '../../src/openai/parse-responses-request.js'
import { createResponsesEventBuilder } from '../../src/openai/responses-event-builder.js'
import { createResponseObject, type ResponsesStreamEvent } from '../../src/openai/responses-object.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'

function runBuilder(events: Array<Exclude<StreamEvent, { type: 'error' }>>, failure?: ProxyError): ResponsesStreamEvent[] {
  const body = parseResponsesRequest({ model: 'm', input: 'hi' }).body
  const builder = createResponsesEventBuilder(createResponseObject(body, { model: 'm', status: 'in_progress' }))
  const out = [...builder.start(), ...events.flatMap((event) => builder.write(event))]
  out.push(...(failure === undefined ? builder.complete() : builder.fail(failure)))
  out.forEach((event, index) => {
    expect(event.sequence_number).toBe(index)
    expectSchemaValidWhenAvailable('ResponseStreamEvent', event)
  })
  return out
}

describe('Responses event builder', () => {
  it('puts text and a refusal into one message item with two parts', () => {
    const events = runBuilder([
      { type: 'text-delta', choice: 0, delta: 'I ' },
      { type: 'refusal-delta', choice: 0, delta: 'cannot' },
      { type: 'finish', choice: 0, finishReason: 'stop' },
    ])
    const completed = events.at(-1) as unknown as { type: string; response: { output: unknown[] } }
    expect(completed.type).toBe('response.completed')
    expect(completed.response.output).toEqual([
      expect.objectContaining({
        type: 'message',
        status: 'completed',
        content: [
          { type: 'output_text', text: 'I ', annotations: [], logprobs: [] },
          { type: 'refusal', refusal: 'cannot' },
        ],
      }),
    ])
    expect(events.map((event) => event.type)).toContain('response.refusal.done')
  })

  it('ends with response.incomplete when the output hit max_output_tokens, with usage summed', () => {
    const events = runBuilder([
      { type: 'text-delta', choice: 0, delta: 'cut' },
      { type: 'finish', choice: 0, finishReason: 'length' },
      { type: 'usage', usage: { promptTokens: 2, completionTokens: 3, totalTokens: 5 } },
      { type: 'usage', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2, reasoningTokens: 1 } },
    ])
    const last = events.at(-1) as unknown as { type: string; response: Record<string, unknown> }
    expect(last.type).toBe('response.incomplete')
    expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(last.response.usage).toEqual({
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 1 },
      total_tokens: 7,
    })
  })

  it('ignores choices other than 0 and closes open items on failure', () => {
    const events = runBuilder(
      [
        { type: 'text-delta', choice: 1, delta: 'other' },
        { type: 'tool-call-delta', choice: 0, index: 0, id: 'call_1', name: 'f', argumentsDelta: '{"a"' },
      ],
      new ProxyError('rate limited', { status: 429, type: 'rate_limit_error' }),
    )
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.failed',
    ])
    expect((events.at(-1) as unknown as { response: { error: unknown } }).response.error).toEqual({ code: 'rate_limit_exceeded', message: 'rate limited' })
  })
})

describe('parseResponsesRequest', () => {
  it('maps text formats, tool choice, reasoning effort and instructions to the canonical request', () => {
    const parsed = parseResponsesRequest({
      model: 'moa-gpt-4o',
      instructions: 'Be exact.',
      input: [
        { type: 'message', role: 'developer', content: 'dev note' },
        { role: 'user', content: [{ type: 'input_text', text: 'q' }] },
      ],
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      reasoning: { effort: 'low' },
      optillm_approach: 'none',
      optiproxy: { none: {} },
    })
    expect(parsed).toMatchObject({
      streaming: false,
      background: false,
      store: true,
      approachField: 'none',
      approachFieldName: 'optillm_approach',
      optiproxy: { none: {} },
    })
    const request = createModelRequest(parsed.body, parsed.inputItems)
    expect(request).toMatchObject({
      model: 'moa-gpt-4o',
      messages: [
        { role: 'system', content: 'Be exact.' },
        { role: 'system', content: 'dev note', developer: true },
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
      ],
      responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' }, strict: true },
      tools: [{ name: 'f', parameters: { type: 'object' }, strict: true }],
      toolChoice: { type: 'tool', name: 'f' },
      reasoningEffort: 'low',
    })
  })

  it('refuses what the proxy cannot honour with a 400 naming the parameter', () => {
    const refused = (body: unknown): ProxyError => {
      try {
        parseResponsesRequest(body)
      } catch (error) {
        return error as ProxyError
      }
      throw new Error('accepted')
    }
    expect(refused({ model: 'm', input: 'x', conversation: 'conv_1' })).toMatchObject({ status: 400, param: 'conversation' })
    expect(refused({ model: 'm', input: 'x', tool_choice: { type: 'function', name: 'missing' }, tools: [{ type: 'function', name: 'f' }] })).toMatchObject({
      status: 400,
      param: 'tool_choice',
    })
    expect(refused({ model: 'm', input: [{ type: 'item_reference', id: 'x' }] })).toMatchObject({ status: 400 })
    expect(refused({ model: 'm', input: 'x', background: true, store: false })).toMatchObject({ status: 400, param: 'background' })
  })
})
