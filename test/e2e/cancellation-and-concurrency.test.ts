import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, type MockReply } from '../helpers/mock-openai-upstream.js'
import { readRawSse, startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({ keepAliveMs: 100 })
})
afterAll(() => t.close())
beforeEach(() => t.upstream.reset())

const hello = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] }

describe('a client that leaves cancels the upstream call', () => {
  it('streaming: aborting after the first chunk closes the upstream connection', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 50 }, () => 'tick ') }), delayMs: 100 }))
    const controller = new AbortController()
    const stream = await t.client.chat.completions.create({ ...hello, stream: true }, { signal: controller.signal })
    let received = 0
    // the SDK ends an aborted stream quietly (no throw)
    for await (const chunk of stream) {
      received += chunk.choices.length
      if (received >= 1) controller.abort()
    }
    expect(received).toBeLessThan(50)
    await t.upstream.waitForClosed(1, 5_000)
    expect(t.upstream.closedEarly).toBe(1)
  })

  it('non-streaming: aborting while the upstream is thinking closes the upstream connection', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    const controller = new AbortController()
    const pending = t.client.chat.completions.create(hello, { signal: controller.signal })
    await waitFor(() => t.upstream.inFlight === 1)
    controller.abort()
    await expect(pending).rejects.toThrow()
    await t.upstream.waitForClosed(1, 5_000)
  })

  it('streaming: aborting before the upstream sent anything closes the upstream connection', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    const controller = new AbortController()
    const pending = fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
      signal: controller.signal,
    })
    await waitFor(() => t.upstream.inFlight === 1)
    controller.abort()
    await expect(pending.then((response) => response.text())).rejects.toThrow()
    await t.upstream.waitForClosed(1, 5_000)
  })
})

describe('keep-alive', () => {
  it('sends SSE comments while the upstream is silent, then the answer', async () => {
    t.upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: ['late'] }), firstByteDelayMs: 800 }))
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const { comments, events, text } = await readRawSse(response)
    expect(comments.length).toBeGreaterThan(0)
    expect(comments.every((comment) => comment === 'keep-alive')).toBe(true)
    expect(text.indexOf(': keep-alive')).toBeLessThan(text.indexOf('data: '))
    expect(events.at(-1)?.data).toBe('[DONE]')
  })

  it('an upstream failure after keep-alives were sent arrives as an error frame', async () => {
    t.upstream.setHandler(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500))
      return { kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } }
    })
    const response = await fetch(`${t.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...hello, stream: true }),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    const { events } = await readRawSse(response)
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ error: { message: 'boom' } })
  })
})

describe('concurrency', () => {
  it('serves 50 slow requests at the same time (the upstream sees all 50 in flight at once)', async () => {
    const count = 50
    let release: () => void = () => undefined
    const allArrived = new Promise<void>((resolve) => {
      release = resolve
    })
    let maxInFlight = 0
    t.upstream.setHandler(async (request): Promise<MockReply> => {
      maxInFlight = Math.max(maxInFlight, t.upstream.inFlight)
      if (t.upstream.requests.length === count) release()
      // every reply waits until all 50 requests reached the upstream: a proxy that serialised them would never get there
      await allArrived
      const body = request.body as { messages: Array<{ content: string }> }
      const content = `echo ${body.messages[0]?.content}`
      return (request.body as { stream?: boolean }).stream === true
        ? { kind: 'sse', events: buildChatCompletionChunks({ text: [content] }), delayMs: 5 }
        : { kind: 'json', body: buildChatCompletion({ content }) }
    })
    const answers = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        if (index % 2 === 0) {
          const completion = await t.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: String(index) }] })
          return completion.choices[0]?.message.content
        }
        let text = ''
        for await (const chunk of await t.client.chat.completions.create({
          model: 'gpt-4o',
          stream: true,
          messages: [{ role: 'user', content: String(index) }],
        })) {
          text += chunk.choices[0]?.delta.content ?? ''
        }
        return text
      }),
    )
    expect(answers).toEqual(Array.from({ length: count }, (_, index) => `echo ${index}`))
    expect(maxInFlight).toBe(count)
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
