import { PassThrough } from 'node:stream'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'

// Background runs rebuild the plan their request made: its approach (after the tools rule), its options and its
// `optiproxy.timeouts`, with the request's observer counting every upstream call.
let upstream: MockUpstream
let proxy: RunningServer
let logText = ''
let client: OpenAI

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => (logText += chunk.toString()))
  proxy = await startServer(configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, openaiApiKey: 'sk-upstream', logLevel: 'info' }), {
    logDestination: destination,
  })
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-client', maxRetries: 0 })
})
afterAll(async () => {
  await proxy.close()
  await upstream.close()
})
beforeEach(() => upstream.reset())

async function waitForRunLog(id: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const line = logText.split('\n').find((entry) => entry.includes('"background run"') && entry.includes(id))
    if (line !== undefined) return JSON.parse(line) as Record<string, unknown>
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the run logged nothing')
}

describe('background runs read the request plan', () => {
  it("honour the request's own timeouts: a hanging upstream ends the run failed at total_ms, the call counted", async () => {
    upstream.setHandler(() => ({ kind: 'hang' }))
    const startedAt = Date.now()
    const body = { model: 'gpt-4o-mini', input: 'hi', background: true, optiproxy: { timeouts: { total_ms: 300 } } }
    const created = await client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming)
    const logged = await waitForRunLog(created.id)
    // the proxy's own total deadline is 10 minutes: only the request's 300 ms can have ended it
    expect(Date.now() - startedAt).toBeLessThan(5000)
    expect(logged).toMatchObject({
      response_id: created.id,
      approach: 'none',
      upstream_calls: 1,
      status: 504,
      error: { type: 'timeout_error', code: expect.stringMatching(/^upstream_(total_)?timeout$/) },
    })
    const done = await client.responses.retrieve(created.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatchObject({ message: expect.stringContaining('300 ms') })
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text()
    expect(metrics).toMatch(/optiproxy_upstream_calls_total\{provider="openai",approach="none",kind="stream",outcome="timeout_error"\} [1-9]/)
  })

  it('run the plan the request was accepted with: a bon request with tools runs, logs and counts as none', async () => {
    const tools = [{ type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: {} }, strict: false }]
    const created = await client.responses.create({ model: 'bon-gpt-4o-mini', input: 'hi', background: true, tools })
    const logged = await waitForRunLog(created.id)
    expect(logged).toMatchObject({ response_id: created.id, approach: 'none', upstream_calls: 1, status: 200 })
    expect(upstream.requests).toHaveLength(1)
    expect((upstream.requests[0]?.body as { model: string; tools?: unknown[] }).model).toBe('gpt-4o-mini')
    expect((upstream.requests[0]?.body as { tools?: unknown[] }).tools).toHaveLength(1)
  })
})
