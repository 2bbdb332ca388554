import type Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'vitest'
import { replyAsCurrentAnthropic } from '../helpers/anthropic-current-shapes.js'
import { messageSchema, validateMessageStream } from '../helpers/anthropic-response-schemas.js'
import { readRawSse } from '../helpers/start-proxy.js'
import { useMessagesProxy } from '../helpers/start-messages-proxy.js'

/** The SDK's MessageStream adds `parsed_output` to the final message on the client side: not a wire field. */
function withoutClientFields(message: Anthropic.Message): unknown {
  const { parsed_output: _parsed, ...wire } = message as Anthropic.Message & { parsed_output?: unknown }
  return wire
}

describe("an approach's intermediate work as a thinking block, and the block sent back", () => {
  const t = useMessagesProxy()

  for (const model of ['moa-gpt-4o-mini', 'moa-claude-sonnet-4-5']) {
    it(`${model}: streams a signed thinking block before the text, and drops it when a later turn sends it back`, async () => {
      const response = await fetch(`${t.proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-client-key' },
        body: JSON.stringify({ model, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'What is 2+2?' }] }),
      })
      const events = validateMessageStream((await readRawSse(response)).events)
      const starts = events.filter((event) => event.type === 'content_block_start').map((event) => event.content_block.type)
      expect(starts[0]).toBe('thinking')
      expect(starts.at(-1)).toBe('text')
      const signature = events.find((event) => event.type === 'content_block_delta' && event.delta.type === 'signature_delta')
      expect(signature).toMatchObject({ index: 0, delta: { signature: expect.stringMatching(/^optiproxy\.v1\./) } })

      // the SDK's own accumulation of the same stream
      const final = await t.client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'What is 2+2?' }] }).finalMessage()
      messageSchema.parse(withoutClientFields(final))
      const thinking = final.content[0] as Anthropic.ThinkingBlock
      expect(thinking.type).toBe('thinking')
      expect(thinking.thinking).toContain('[proposal 1]')
      expect(final.content.at(-1)?.type).toBe('text')

      // second turn, on the approach and on a plain (pass-through) model: no upstream sees the block
      const upstream = model.includes('claude') ? t.anthropic : t.openai
      for (const next of [model, model.replace(/^moa-/, '')]) {
        upstream.reset()
        t.anthropic.setHandler(replyAsCurrentAnthropic)
        const second = await t.client.messages.create({
          model: next,
          max_tokens: 256,
          messages: [
            { role: 'user', content: 'What is 2+2?' },
            { role: 'assistant', content: final.content },
            { role: 'user', content: 'And 3+3?' },
          ],
        })
        messageSchema.parse(second)
        expect(upstream.requests.length).toBeGreaterThan(0)
        const bodies = upstream.requests.map((request) => request.body)
        expect(JSON.stringify(bodies)).not.toContain('optiproxy.v1.')
        expect(JSON.stringify(bodies)).not.toContain('[proposal 1]')
        expect(JSON.stringify(bodies)).toContain('And 3+3?')
        expect(JSON.stringify(bodies)).not.toMatch(/"type":"thinking"|reasoning_content/)
      }
    })
  }

  it('a non-streamed approach answer has the signed thinking block first too', async () => {
    const message = await t.client.messages.create({ model: 'moa-gpt-4o-mini', max_tokens: 256, messages: [{ role: 'user', content: 'What is 2+2?' }] })
    messageSchema.parse(message)
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text'])
    expect((message.content[0] as Anthropic.ThinkingBlock).signature).toMatch(/^optiproxy\.v1\./)
  })

  it("a block in the proxy's format with a signature its secret did not make is dropped too, never sent to Anthropic", async () => {
    await t.client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'old work', signature: 'optiproxy.v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
            { type: 'text', text: 'Hello' },
          ],
        },
        { role: 'user', content: 'Again' },
      ],
    })
    const sent = t.anthropic.requests[0]?.body as { messages: Array<{ content: unknown }> }
    expect(sent.messages[1]?.content).toEqual([{ type: 'text', text: 'Hello' }])
  })

  it('real thinking from a thinking model passes through with its real signature, both ways', async () => {
    const realThinking = { type: 'thinking', thinking: 'Two and two make four.', signature: 'ErUBCkYIBRgCIkDrealSignatureFromAnthropic==' }
    t.anthropic.setHandler(() => ({
      kind: 'json',
      body: {
        id: 'msg_real_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [realThinking, { type: 'text', text: '4', citations: null }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: {
          input_tokens: 10,
          output_tokens: 30,
          cache_creation_input_tokens: null,
          cache_read_input_tokens: null,
          cache_creation: null,
          inference_geo: null,
          output_tokens_details: null,
          server_tool_use: null,
          service_tier: null,
          speed: null,
        },
      },
    }))
    const first = await t.client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: '2+2?' }],
    })
    expect(first.content[0]).toEqual(realThinking)
    await t.client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: '2+2?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'Sure?' },
      ],
    })
    const sent = t.anthropic.requests[1]?.body as { messages: Array<{ content: unknown[] }> }
    expect(sent.messages[1]?.content[0]).toEqual(realThinking)
  })
})
