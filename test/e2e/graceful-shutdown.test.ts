import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Anthropic from '@anthropic-ai/sdk'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config.js'
import { createAppOperations } from '../../src/operations/app-operations.js'
import { buildChatCompletionChunks, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { readRawSse } from '../helpers/start-proxy.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const hello = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }

describe('draining', () => {
  it('/ready turns 503 and new API requests get a 503 with connection: close, while /health still answers', async () => {
    const config = configSchema.parse({ logLevel: 'silent', openaiBaseUrl: 'http://127.0.0.1:9/v1' })
    const operations = createAppOperations(config)
    const app = createApp(config, { operations })
    expect((await app.request('/ready')).status).toBe(200)
    operations.lifecycle.beginDrain()
    const ready = await app.request('/ready')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'draining' })
    const refused = await app.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify(hello), headers: { 'content-type': 'application/json' } })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('connection')).toBe('close')
    expect(await refused.json()).toMatchObject({ error: { code: 'server_shutting_down' } })
    expect((await app.request('/health')).status).toBe(200)
  })

  it("on /v1/messages the drain refusal is in Anthropic's error shape (overloaded_error), as the Anthropic SDK reads it", async () => {
    const config = configSchema.parse({ logLevel: 'silent', openaiBaseUrl: 'http://127.0.0.1:9/v1' })
    const operations = createAppOperations(config)
    const app = createApp(config, { operations })
    operations.lifecycle.beginDrain()
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const refused = await app.request(path, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
        headers: { 'content-type': 'application/json', 'x-request-id': 'req_drain' },
      })
      expect(refused.status).toBe(529)
      expect(refused.headers.get('connection')).toBe('close')
      expect(refused.headers.get('request-id')).toBe('req_drain')
      const body = (await refused.json()) as { type: string; error: { type: string; message: string } }
      expect(body).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/shutting down/i) }, request_id: 'req_drain' })
    }
    const client = new Anthropic({
      apiKey: 'unused',
      baseURL: 'http://proxy.test',
      maxRetries: 0,
      fetch: async (url: string | URL | Request, init?: RequestInit) => await app.request(String(url), init),
    })
    const error = await client.messages
      .create({ model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529)
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
  })
})

/** Starts the real CLI (TypeScript through tsx) as a child process and resolves with its URL. */
function startCli(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', OPTIPROXY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match?.[1] !== undefined) resolve({ child, url: match[1], exited, stderr: () => stderr })
    })
    child.once('exit', (code) => reject(new Error(`the CLI exited with ${code} before listening: ${stderr}`)))
  })
}

describe('SIGTERM during 20 open streams (a real child process)', () => {
  let upstream: MockUpstream
  let child: ChildProcess | undefined
  beforeEach(async () => {
    upstream = await startMockOpenAIUpstream()
  })
  afterEach(async () => {
    child?.kill('SIGKILL')
    await upstream.close()
  })

  async function openStreams(url: string, count: number): Promise<Response[]> {
    const responses = await Promise.all(
      Array.from({ length: count }, () =>
        fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(hello), headers: { 'content-type': 'application/json' } }),
      ),
    )
    for (const response of responses) expect(response.status).toBe(200)
    return responses
  }

  it('lets every stream finish within the grace period, then exits 0', async () => {
    upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 10 }, (_, i) => `t${i}`) }), delayMs: 80 }))
    const cli = await startCli({ OPENAI_BASE_URL: upstream.url, OPTIPROXY_SHUTDOWN_GRACE_MS: '15000' })
    child = cli.child
    const responses = await openStreams(cli.url, 20)
    cli.child.kill('SIGTERM')
    const bodies = await Promise.all(responses.map((response) => readRawSse(response)))
    for (const { events } of bodies) {
      expect(events.at(-1)?.data).toBe('[DONE]')
      expect(events.some((event) => event.data.includes('"error"'))).toBe(false)
    }
    expect(await cli.exited).toBe(0)
  }, 30_000)

  it('ends the streams still open after the grace period with an error frame, then exits 0', async () => {
    upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: Array.from({ length: 200 }, (_, i) => `t${i}`) }), delayMs: 50 }))
    const cli = await startCli({ OPENAI_BASE_URL: upstream.url, OPTIPROXY_SHUTDOWN_GRACE_MS: '300' })
    child = cli.child
    const responses = await openStreams(cli.url, 20)
    cli.child.kill('SIGTERM')
    const bodies = await Promise.all(responses.map((response) => readRawSse(response)))
    for (const { events } of bodies) {
      const last = JSON.parse(events.at(-1)?.data ?? '{}') as { error?: { code: string; type: string } }
      expect(last.error).toMatchObject({ code: 'server_shutting_down', type: 'server_error' })
      expect(events.some((event) => event.data === '[DONE]')).toBe(false)
    }
    expect(await cli.exited).toBe(0)
    // every upstream stream was closed, none left hanging
    await upstream.waitForClosed(20)
  }, 30_000)
})
