import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type OpenAI from 'openai'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { expectWellFormedTree, listUpstreamCalls, waitForTrace } from '../helpers/traces.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ logPrompts: false })
})
afterAll(() => t.close())
beforeEach(() => {
  t.upstream.reset()
  t.upstream.setHandler(replyByStep)
})

function replyByStep(request: RecordedRequest) {
  const body = request.body as { stream?: boolean; messages: Array<{ content: unknown }> }
  const last = JSON.stringify(body.messages.at(-1)?.content ?? '')
  const content = /Rating: N|Score: N/.test(last) ? 'Rating: 7' : 'The answer is 4'
  const usage = { promptTokens: 12, completionTokens: 8 }
  if (body.stream === true) return { kind: 'sse' as const, events: buildChatCompletionChunks({ text: content.split(/(?<= )/), includeUsage: true, usage }) }
  return { kind: 'json' as const, body: buildChatCompletion({ content, usage }) }
}

const question: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 2+2? my key is sk-abcdefghijklmnop' }]

describe('a trace per request, with exactly the upstream calls the mock saw', () => {
  it.each([
    ['none', 'none-gpt-4o-mini', 1],
    ['bon', 'bon-gpt-4o-mini', 1],
    ['moa', 'moa-gpt-4o-mini', 1],
    ['a & pipeline', 're2&bon-gpt-4o-mini', 2],
    ['a | combination', 'bon|moa-gpt-4o-mini', 2],
  ])('%s (non-streamed and streamed)', async (_label, model, stages) => {
    for (const stream of [false, true]) {
      t.upstream.reset()
      t.upstream.setHandler(replyByStep)
      const id = `req_trace_${model.replace(/\W/g, '_')}_${stream}`
      if (stream) {
        const chunks = await t.client.chat.completions.create({ model, messages: question, stream: true }, { headers: { 'x-request-id': id } })
        for await (const _chunk of chunks) void _chunk
      } else {
        await t.client.chat.completions.create({ model, messages: question }, { headers: { 'x-request-id': id } })
      }
      const trace = await waitForTrace(t.proxy.url, id)
      expect(trace.id).toBe(id)
      expect(trace.status).toBe('ok')
      expectWellFormedTree(trace)
      const calls = listUpstreamCalls(trace)
      expect(calls).toHaveLength(t.upstream.requests.length)
      expect(trace.upstreamCalls).toBe(t.upstream.requests.length)
      expect(trace.promptTokens).toBe(12 * calls.length)
      expect(trace.spans.filter((span) => span.kind === 'stage')).toHaveLength(stages)
      for (const call of calls) {
        expect(call.status).toBe('ok')
        expect(call.attributes['gen_ai.request.model']).toBe('gpt-4o-mini')
        expect(call.attributes['gen_ai.usage.input_tokens']).toBe(12)
        expect(call.attributes['gen_ai.provider.name']).toBeDefined()
        // no prompt logging: no message text anywhere in the trace
        expect(call.attributes['gen_ai.input.messages']).toBeUndefined()
        expect(call.attributes['gen_ai.output.text']).toBeUndefined()
      }
      expect(JSON.stringify(trace)).not.toContain('2+2')
    }
  })

  it('a pipeline runs its stages in order: every call of stage 1 ends before stage 2 starts', async () => {
    await t.client.chat.completions.create({ model: 'bon&moa-gpt-4o-mini', messages: question }, { headers: { 'x-request-id': 'req_trace_order' } })
    const trace = await waitForTrace(t.proxy.url, 'req_trace_order')
    const [first, second] = trace.spans.filter((span) => span.kind === 'stage')
    expect(first?.name).toBe('bon')
    expect(second?.name).toBe('moa')
    expect(first?.endTime as number).toBeLessThanOrEqual(second?.startTime as number)
  })

  it('lists traces newest first with filters, and 404s an unknown id', async () => {
    await t.client.chat.completions.create({ model: 'bon-gpt-4o-mini', messages: question }, { headers: { 'x-request-id': 'req_list_1' } })
    await t.client.chat.completions.create({ model: 'none-gpt-4o-mini', messages: question }, { headers: { 'x-request-id': 'req_list_2' } })
    await waitForTrace(t.proxy.url, 'req_list_2')
    const all = (await (await fetch(`${t.proxy.url}/v1/optiproxy/traces?limit=2`)).json()) as { data: Array<{ id: string; approach: string }> }
    expect(all.data.map((trace) => trace.id)).toEqual(['req_list_2', 'req_list_1'])
    const bon = (await (await fetch(`${t.proxy.url}/v1/optiproxy/traces?approach=bon&limit=100`)).json()) as { data: Array<{ approach: string }> }
    expect(bon.data.length).toBeGreaterThan(0)
    expect(bon.data.every((trace) => trace.approach.split(/[&|]/).includes('bon'))).toBe(true)
    const failed = (await (await fetch(`${t.proxy.url}/v1/optiproxy/traces?status=error`)).json()) as { data: unknown[] }
    expect(failed.data).toEqual([])
    expect((await fetch(`${t.proxy.url}/v1/optiproxy/traces?limit=0`)).status).toBe(400)
    expect((await fetch(`${t.proxy.url}/v1/optiproxy/traces/req_nope`)).status).toBe(404)
  })

  it('traces a background response under the request id that created it', async () => {
    const response = await fetch(`${t.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key', 'x-request-id': 'req_background_1' },
      body: JSON.stringify({ model: 'bon-gpt-4o-mini', input: 'What is 2+2?', background: true }),
    })
    expect(response.status).toBe(200)
    const trace = await waitForTrace(t.proxy.url, 'req_background_1')
    expect(trace.route).toBe('background')
    expectWellFormedTree(trace)
    expect(listUpstreamCalls(trace)).toHaveLength(t.upstream.requests.length)
  })

  it('a failed upstream call is an error span and the trace ends in error', async () => {
    t.upstream.setHandler(() => ({
      kind: 'json' as const,
      status: 400,
      body: { error: { message: 'bad request', type: 'invalid_request_error', param: null, code: null } },
    }))
    await expect(
      t.client.chat.completions.create({ model: 'none-gpt-4o-mini', messages: question }, { headers: { 'x-request-id': 'req_failed_1' } }),
    ).rejects.toThrow()
    const trace = await waitForTrace(t.proxy.url, 'req_failed_1')
    expect(trace.status).toBe('error')
    const [call] = listUpstreamCalls(trace)
    expect(call?.status).toBe('error')
    expect(call?.attributes['http.response.status_code']).toBe(400)
  })

  it('streams traces as they start and finish over SSE', async () => {
    const controller = new AbortController()
    const response = await fetch(`${t.proxy.url}/v1/optiproxy/traces/stream`, { signal: controller.signal })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    const readUntil = async (marker: string): Promise<void> => {
      while (!text.includes(marker)) {
        const { value, done } = await reader.read()
        if (done) throw new Error('the feed ended')
        text += decoder.decode(value, { stream: true })
      }
    }
    await readUntil('event: ready')
    await t.client.chat.completions.create({ model: 'bon-gpt-4o-mini', messages: question }, { headers: { 'x-request-id': 'req_live_1' } })
    await readUntil('"finished"')
    controller.abort()
    const updates = text
      .split('\n\n')
      .filter((block) => block.startsWith('event: trace'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { type: string; trace: { id: string; status: string; upstreamCalls: number } })
    expect(updates.map((update) => [update.type, update.trace.id])).toEqual([
      ['started', 'req_live_1'],
      ['finished', 'req_live_1'],
    ])
    expect(updates[1]?.trace).toMatchObject({ status: 'ok', upstreamCalls: t.upstream.requests.length })
  })
})
