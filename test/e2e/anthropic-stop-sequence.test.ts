import { beforeEach, describe, expect, it } from 'vitest'
import { buildFullMessage, buildFullStream } from '../helpers/anthropic-current-shapes.js'
import { replyWithAnthropicEvents } from '../helpers/mock-anthropic-upstream.js'
import { buildChatCompletion } from '../helpers/mock-openai-upstream.js'
import { messageSchema } from '../helpers/anthropic-response-schemas.js'
import { useMessagesProxy } from '../helpers/start-messages-proxy.js'

const question = [{ role: 'user' as const, content: 'Count to five, then write ### and stop.' }]

describe('stop_sequence in translated answers on /v1/messages (official Anthropic SDK)', () => {
  const t = useMessagesProxy()
  beforeEach(() => {
    // an Anthropic upstream that stopped on the client's `###`, streamed or whole
    t.anthropic.setHandler((request) => {
      const text = '1, 2, 3, 4, 5'
      if ((request.body as { stream?: boolean }).stream !== true)
        return { kind: 'json', body: { ...buildFullMessage([{ type: 'text', text, citations: null }], 'stop_sequence'), stop_sequence: '###' } }
      const events = buildFullStream([{ start: { type: 'text', text: '', citations: null }, deltas: [{ type: 'text_delta', text }] }], 'stop_sequence')
      const delta = events.find((event) => event.type === 'message_delta') as unknown as { delta: Record<string, unknown> }
      delta.delta.stop_sequence = '###'
      return replyWithAnthropicEvents(events)
    })
  })

  it('an approach answered by Anthropic that stopped on a stop sequence reports stop_reason stop_sequence and the sequence, whole and streamed', async () => {
    const message = await t.client.messages.create({ model: 're2-claude-sonnet-4-5', max_tokens: 64, stop_sequences: ['END', '###'], messages: question })
    expect((t.anthropic.requests[0]?.body as { stop_sequences?: string[] }).stop_sequences).toEqual(['END', '###'])
    messageSchema.parse(message)
    expect(message.stop_reason).toBe('stop_sequence')
    expect(message.stop_sequence).toBe('###')
    expect(message.content).toEqual([{ type: 'text', text: '1, 2, 3, 4, 5', citations: null }])

    const stream = t.client.messages.stream({ model: 're2-claude-sonnet-4-5', max_tokens: 64, stop_sequences: ['END', '###'], messages: question })
    const deltas: unknown[] = []
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_delta') deltas.push(event.delta)
    })
    const final = await stream.finalMessage()
    expect(deltas).toEqual([expect.objectContaining({ stop_reason: 'stop_sequence', stop_sequence: '###' })])
    expect(final.stop_reason).toBe('stop_sequence')
    expect(final.stop_sequence).toBe('###')
  })

  it('privacy: a stop sequence masked on the way up comes back as the client sent it', async () => {
    t.anthropic.setHandler((request) => {
      const sent = (request.body as { stop_sequences?: string[] }).stop_sequences ?? []
      return {
        kind: 'json',
        body: { ...buildFullMessage([{ type: 'text', text: 'Done.', citations: null }], 'stop_sequence'), stop_sequence: sent[0] ?? null },
      }
    })
    const message = await t.client.messages.create({
      model: 'privacy-claude-sonnet-4-5',
      max_tokens: 64,
      stop_sequences: ['alice@example.com'],
      messages: question,
    })
    expect((t.anthropic.requests[0]?.body as { stop_sequences?: string[] }).stop_sequences).not.toEqual(['alice@example.com'])
    expect(message.stop_reason).toBe('stop_sequence')
    expect(message.stop_sequence).toBe('alice@example.com')
  })

  it('an OpenAI-compatible upstream does not say which stop matched: end_turn with stop_sequence null (documented)', async () => {
    t.openai.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: '1, 2, 3, 4, 5' }) }))
    const message = await t.client.messages.create({ model: 'gpt-4o-mini', max_tokens: 64, stop_sequences: ['###'], messages: question })
    expect((t.openai.requests[0]?.body as { stop?: string[] }).stop).toEqual(['###'])
    expect(message.stop_reason).toBe('end_turn')
    expect(message.stop_sequence).toBeNull()
  })

  it('an answer that ended on its own keeps end_turn and stop_sequence null', async () => {
    t.anthropic.setHandler(() => ({ kind: 'json', body: buildFullMessage([{ type: 'text', text: 'Hi.', citations: null }], 'end_turn') }))
    const message = await t.client.messages.create({ model: 're2-claude-sonnet-4-5', max_tokens: 64, stop_sequences: ['###'], messages: question })
    expect(message.stop_reason).toBe('end_turn')
    expect(message.stop_sequence).toBeNull()
  })
})
