import { PassThrough } from 'node:stream'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { buildChatCompletionChunks } from '../helpers/mock-openai-upstream.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'

const secretPrompt = 'my secret plan is PURPLE-ELEPHANT'
const clientKey = 'sk-client-KEY-that-must-never-be-logged'

interface Setup {
  upstream: MockUpstream
  proxy: RunningServer
  client: OpenAI
  logs: () => Array<Record<string, unknown>>
  rawLogs: () => string
}

async function startWithLogs(settings: Record<string, unknown> = {}): Promise<Setup> {
  const upstream = await startMockOpenAIUpstream()
  let text = ''
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
  const config = configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, logLevel: 'info', ...settings })
  const proxy = await startServer(config, { logDestination: destination })
  return {
    upstream,
    proxy,
    client: new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: clientKey, maxRetries: 0 }),
    rawLogs: () => text,
    logs: () =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

/** Waits until the request log line with this id was written (it is written when the response has ended). */
async function waitForLog(setup: Setup, id: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = setup.logs().find((entry) => entry.request_id === id)
    if (line !== undefined) return line
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no log line for ${id}`)
}

describe('logs and metrics', () => {
  let s: Setup
  beforeAll(async () => {
    s = await startWithLogs()
  })
  afterAll(async () => {
    await s.proxy.close()
    await s.upstream.close()
  })
  beforeEach(() => s.upstream.reset())

  it('one JSON log line per request with its id, approach, provider, upstream calls, tokens and latency, and no prompt or key', async () => {
    s.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({ text: ['Hel', 'lo'], includeUsage: true, usage: { promptTokens: 11, completionTokens: 7 } }),
    }))
    const stream = await s.client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: secretPrompt }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-request-id': 'log-1' } },
    )
    for await (const chunk of stream) void chunk
    const line = await waitForLog(s, 'log-1')
    expect(line).toMatchObject({
      msg: 'request',
      request_id: 'log-1',
      route: '/v1/chat/completions',
      status: 200,
      model: 'gpt-4o',
      approach: 'none',
      stream: true,
      providers: ['openai'],
      upstream_calls: 1,
      tokens_in: 11,
      tokens_out: 7,
    })
    expect(typeof line.duration_ms).toBe('number')
    expect(typeof line.ttft_ms).toBe('number')
    expect(s.rawLogs()).not.toContain('PURPLE-ELEPHANT')
    expect(s.rawLogs()).not.toContain(clientKey)
  })

  it('an error is in the log line with its type and code', async () => {
    const response = await fetch(`${s.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: '{"model":"gpt-4o"}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-2' },
    })
    expect(response.status).toBe(400)
    expect(await waitForLog(s, 'log-2')).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } })
  })

  it('an unknown route is logged with its 404 and answers with the request id', async () => {
    const response = await fetch(`${s.proxy.url}/v1/nowhere`, { headers: { 'x-request-id': 'log-404' } })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-request-id')).toBe('log-404')
    expect(await waitForLog(s, 'log-404')).toMatchObject({ status: 404, route: 'other' })
  })

  it('/metrics exposes requests, latency, time to first token, upstream calls by approach, tokens by provider and model, errors and open streams', async () => {
    s.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({ text: ['ok'], includeUsage: true, usage: { promptTokens: 5, completionTokens: 3 } }),
    }))
    const stream = await s.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    for await (const chunk of stream) void chunk
    await new Promise((resolve) => setTimeout(resolve, 50))
    const response = await fetch(`${s.proxy.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(text).toMatch(/optiproxy_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} [1-9]/)
    expect(text).toMatch(/optiproxy_http_request_duration_seconds_count\{route="\/v1\/chat\/completions",status="200"\} [1-9]/)
    expect(text).toMatch(/optiproxy_time_to_first_token_seconds_count\{route="\/v1\/chat\/completions",approach="none"\} [1-9]/)
    expect(text).toMatch(/optiproxy_upstream_calls_total\{provider="openai",approach="none",kind="stream",outcome="ok"\} [1-9]/)
    expect(text).toContain('optiproxy_tokens_total{provider="openai",model="gpt-4o-mini",direction="in"} 5')
    expect(text).toContain('optiproxy_tokens_total{provider="openai",model="gpt-4o-mini",direction="out"} 3')
    expect(text).toMatch(/optiproxy_errors_total\{type="invalid_request_error",code="[a-z_]+"\} [1-9]/)
    expect(text).toContain('optiproxy_streams_in_flight 0')
  })

  it('each app has its own registry', async () => {
    const other = await startWithLogs()
    try {
      const text = await (await fetch(`${other.proxy.url}/metrics`)).text()
      expect(text).not.toMatch(/optiproxy_http_requests_total\{route="\/v1\/chat\/completions"/)
    } finally {
      await other.proxy.close()
      await other.upstream.close()
    }
  })
})

describe('prompt logging', () => {
  it('puts the conversation into the log line only when enabled', async () => {
    const s = await startWithLogs({ logPrompts: true })
    try {
      await s.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: secretPrompt }] }, { headers: { 'x-request-id': 'log-3' } })
      const line = await waitForLog(s, 'log-3')
      expect(JSON.stringify(line.messages)).toContain('PURPLE-ELEPHANT')
      expect(s.rawLogs()).not.toContain(clientKey)
    } finally {
      await s.proxy.close()
      await s.upstream.close()
    }
  })
})
