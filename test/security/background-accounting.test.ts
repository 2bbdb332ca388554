import { PassThrough } from 'node:stream'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'

// Item 6: background runs ran on the bare pipeline: no per-key token limit, no log line, no approach in the metrics
const keys = { limited: 'sk-proxy-limited-000000001', other: 'sk-proxy-other-0000000002' }
let upstream: MockUpstream
let proxy: RunningServer
let logText = ''
const clientWith = (key: string) => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key, maxRetries: 0 })

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => (logText += chunk.toString()))
  proxy = await startServer(
    configSchema.parse({
      host: '127.0.0.1',
      port: 0,
      openaiBaseUrl: upstream.url,
      openaiApiKey: 'sk-upstream',
      logLevel: 'info',
      apiKeys: [
        { name: 'limited', key: keys.limited, tokens_per_minute: 1 },
        { name: 'other', key: keys.other },
      ],
    }),
    { logDestination: destination },
  )
})
afterAll(async () => {
  await proxy.close()
  await upstream.close()
})

/** The run's log line, written when it ends (polling the response would itself count against the key). */
async function waitForRunLog(id: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const line = logText.split('\n').find((entry) => entry.includes('"background run"') && entry.includes(id))
    if (line !== undefined) return line
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the run logged nothing')
}

describe('background runs are accounted like foreground requests', () => {
  it("count their tokens against the key's per-minute limit, log a line and label their upstream calls", async () => {
    const limited = clientWith(keys.limited)
    const created = await limited.responses.create({ model: 'gpt-4o-mini', input: 'hi', background: true })
    const logged = JSON.parse(await waitForRunLog(created.id)) as {
      api_key_name: string
      response_id: string
      tokens_in: number
      tokens_out: number
      upstream_calls: number
      approach: string
    }
    expect(logged).toMatchObject({ api_key_name: 'limited', response_id: created.id, upstream_calls: 1, approach: 'none' })
    expect(logged.tokens_in + logged.tokens_out).toBeGreaterThan(0)
    // the run's tokens used up the key's minute: its next request is refused, another key's is not
    await expect(limited.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 429 })
    await clientWith(keys.other).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text()
    expect(metrics).toMatch(/optiproxy_upstream_calls_total\{provider="openai",approach="none",kind="stream",outcome="ok"\} [1-9]/)
    expect(metrics).not.toContain('approach="unknown"')
  })
})
