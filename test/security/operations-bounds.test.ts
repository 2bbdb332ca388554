import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** Writes a partial request on a raw socket and reads everything the server sends until it closes the connection. */
async function sendAndReadUntilClosed(port: number, partialRequest: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(partialRequest)
  return new Promise<string>((resolve) => {
    let text = ''
    socket.on('data', (chunk) => (text += chunk.toString()))
    socket.once('close', () => resolve(text))
  })
}
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

// Item 10, the rest: what a client can do to the proxy's bounds and counters
let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest({
    approachMaxTotalTokens: 1000,
    backgroundConcurrency: 1,
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    serverKeepAliveMs: 300,
  })
})
afterAll(() => t.close())

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${t.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify(body),
  })

const errorCount = async (): Promise<number> => {
  const text = await (await fetch(`${t.proxy.url}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('optiproxy_errors_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

describe('bounds and counters', () => {
  it('GET /v1/models/%25 is a 404, not a 500', async () => {
    const answer = await fetch(`${t.baseURL}/models/%25`, { headers: { authorization: 'Bearer sk-client-key' } })
    expect(answer.status).toBe(404)
  })

  it('a non-streamed upstream error is counted in optiproxy_errors_total', async () => {
    const before = await errorCount()
    t.upstream.setHandler(() => ({ kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error', code: null, param: null } } }))
    try {
      for (const path of ['/chat/completions', '/responses']) {
        const body = path === '/responses' ? { model: 'gpt-4o-mini', input: 'hi' } : { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
        expect((await post(path, body)).status).toBeGreaterThanOrEqual(500)
      }
    } finally {
      t.upstream.reset()
    }
    expect(await errorCount()).toBe(before + 2)
  })

  it("a request's optiproxy.max_total_tokens cannot raise the operator's budget", async () => {
    const raised = await post('/chat/completions', {
      model: 'moa-gpt-4o-mini',
      optiproxy: { max_total_tokens: 1_000_000 },
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(raised.status).toBe(400)
    expect(((await raised.json()) as { error: { param: string } }).error.param).toBe('optiproxy.max_total_tokens')
    const lowered = await post('/chat/completions', { model: 'gpt-4o-mini', optiproxy: { max_total_tokens: 500 }, messages: [{ role: 'user', content: 'hi' }] })
    expect(lowered.status).toBe(200)
  })

  it('in-memory background runs are bounded: past the running and waiting slots, a 429', async () => {
    t.upstream.setHandler(() => ({ kind: 'hang' }))
    try {
      const statuses: number[] = []
      // 1 running + 64 waiting fit; the next is refused
      for (let index = 0; index < 66; index++) statuses.push((await post('/responses', { model: 'gpt-4o-mini', input: 'hi', background: true })).status)
      expect(statuses.slice(0, 65).every((status) => status === 200)).toBe(true)
      expect(statuses[65]).toBe(429)
      expect(t.upstream.inFlight).toBe(1)
    } finally {
      t.upstream.reset()
    }
  })

  it('a client that sends its headers too slowly is cut off (server header timeout)', async () => {
    const started = performance.now()
    const received = await sendAndReadUntilClosed(t.proxy.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n')
    // Node's defaults would hold it for 60 s (and check only every 30 s)
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })

  it('a client that never finishes its body is cut off (server request timeout)', async () => {
    const started = performance.now()
    const received = await sendAndReadUntilClosed(
      t.proxy.port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":',
    )
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })
})
