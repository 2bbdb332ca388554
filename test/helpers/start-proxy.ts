import OpenAI from 'openai'
import { configSchema, type Config } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { startMockOpenAIUpstream, type MockUpstream } from './mock-openai-upstream.js'

export interface ProxyUnderTest {
  upstream: MockUpstream
  proxy: RunningServer
  /** The official SDK pointed at the proxy, without retries so errors surface as they are. */
  client: OpenAI
  /** The proxy's OpenAI base URL, e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string
  close(): Promise<void>
}

/**
 * Starts a mock OpenAI upstream and an optiproxy in front of it, on free ports of 127.0.0.1.
 * @example const t = await startProxyUnderTest({ keepAliveMs: 100 }); await t.client.chat.completions.create(...)
 */
export async function startProxyUnderTest(settings: Partial<Config> = {}, clientKey = 'sk-client-key'): Promise<ProxyUnderTest> {
  const upstream = await startMockOpenAIUpstream()
  const config = configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, logLevel: 'silent', ...settings })
  const proxy = await startServer(config)
  const baseURL = `${proxy.url}/v1`
  return {
    upstream,
    proxy,
    baseURL,
    client: new OpenAI({ baseURL, apiKey: clientKey, maxRetries: 0, timeout: 15_000 }),
    async close() {
      await proxy.close()
      await upstream.close()
    },
  }
}

/** One raw server-sent event as the proxy wrote it. */
export interface RawSseEvent {
  event?: string
  data: string
}

/**
 * Reads a streamed response byte-exactly (no SDK in between), so tests can see comments, frame order and [DONE].
 * Returns the comment lines and the events in order.
 */
export async function readRawSse(response: Response): Promise<{ comments: string[]; events: RawSseEvent[]; text: string }> {
  const text = await response.text()
  const comments: string[] = []
  const events: RawSseEvent[] = []
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue
    const event: RawSseEvent = { data: '' }
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim())
      else if (line.startsWith('event: ')) event.event = line.slice(7)
      else if (line.startsWith('data: ')) event.data += line.slice(6)
    }
    if (event.data !== '') events.push(event)
  }
  return { comments, events, text }
}
