import { describe, expect, it } from 'vitest'
import { foldStreamEvents, streamEventsFromResult, type ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'

async function* from(events: StreamEvent[]): AsyncGenerator<StreamEvent> {
  yield* events
}

describe('foldStreamEvents', () => {
  it('assembles text, reasoning, interleaved tool-call fragments and usage per choice', async () => {
    const result = await foldStreamEvents(
      from([
        { type: 'response-metadata', metadata: { id: 'up-1', model: 'm' } },
        { type: 'reasoning-delta', choice: 0, delta: 'think' },
        { type: 'tool-call-delta', choice: 0, index: 0, id: 'call_a', name: 'f', argumentsDelta: '{"a"' },
        { type: 'tool-call-delta', choice: 0, index: 1, id: 'call_b', name: 'g', argumentsDelta: '{' },
        { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: ':1}' },
        { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '}' },
        { type: 'text-delta', choice: 1, delta: 'Hel' },
        { type: 'text-delta', choice: 1, delta: 'lo' },
        { type: 'finish', choice: 0, finishReason: 'tool-calls' },
        { type: 'finish', choice: 1, finishReason: 'stop' },
        { type: 'usage', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } },
        { type: 'usage', usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30, reasoningTokens: 5 } },
      ]),
    )
    expect(result.choices[0]?.toolCalls).toEqual([
      { type: 'tool-call', id: 'call_a', name: 'f', arguments: '{"a":1}' },
      { type: 'tool-call', id: 'call_b', name: 'g', arguments: '{}' },
    ])
    expect(result.choices[0]?.reasoning).toBe('think')
    expect(result.choices[1]).toMatchObject({ index: 1, text: 'Hello', finishReason: 'stop' })
    expect(result.usage).toEqual({ promptTokens: 11, completionTokens: 22, totalTokens: 33, reasoningTokens: 5 })
  })

  it('throws the error event', async () => {
    const error = new ProxyError('boom', { status: 502, type: 'upstream_error' })
    await expect(
      foldStreamEvents(
        from([
          { type: 'text-delta', choice: 0, delta: 'x' },
          { type: 'error', error },
        ]),
      ),
    ).rejects.toBe(error)
  })

  it('is the inverse of streamEventsFromResult', async () => {
    const result: ModelResult = {
      metadata: { id: 'x', model: 'm', systemFingerprint: 'fp' },
      choices: [
        {
          index: 0,
          text: 'a',
          reasoning: 'r',
          refusal: null,
          toolCalls: [{ type: 'tool-call', id: 'c', name: 'f', arguments: '{}' }],
          finishReason: 'tool-calls',
          logprobs: null,
          refusalLogprobs: null,
        },
        { index: 1, text: '', reasoning: '', refusal: 'no', toolCalls: [], finishReason: 'content-filter', logprobs: null, refusalLogprobs: null },
      ],
      usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    }
    expect(await foldStreamEvents(from([...streamEventsFromResult(result)]))).toEqual(result)
  })
})
