import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { replyAsCurrentAnthropic } from './anthropic-current-shapes.js'
import { startMockAnthropicUpstream } from './mock-anthropic-upstream.js'
import { startMockGeminiUpstream } from './mock-gemini-upstream.js'
import { startMockOpenAIUpstream, type MockUpstream } from './mock-openai-upstream.js'
import type { MockVendorUpstream } from './mock-vendor-upstream.js'

export interface MessagesProxyUnderTest {
  openai: MockUpstream
  anthropic: MockVendorUpstream
  gemini: MockVendorUpstream
  proxy: RunningServer
  /** The official Anthropic SDK pointed at the proxy (no retries, so errors surface as they are). */
  client: Anthropic
  close(): Promise<void>
}

/**
 * Starts mock OpenAI, Anthropic and Gemini upstreams and one proxy in front of all three (`gpt-*` to OpenAI,
 * `claude-*` to Anthropic, `gemini-*` to Gemini), configured by a file; `extraYaml` adds lines to it.
 * @example const t = await startMessagesProxy(); await t.client.messages.create({ model: 'gpt-4o-mini', max_tokens: 64, messages })
 */
export async function startMessagesProxy(
  extraYaml: string[] = [],
  env: Record<string, string> = {},
  clientKey = 'sk-client-key',
): Promise<MessagesProxyUnderTest> {
  const [openai, anthropic, gemini] = await Promise.all([startMockOpenAIUpstream(), startMockAnthropicUpstream(), startMockGeminiUpstream()])
  const directory = mkdtempSync(join(tmpdir(), 'optiproxy-messages-'))
  const configPath = join(directory, 'optiproxy.yaml')
  writeFileSync(
    configPath,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      'providers:',
      `  openai: { type: openai-compatible, base_url: ${openai.url}, api_key: sk-openai-file-key-0001 }`,
      `  anthropic: { type: anthropic, base_url: ${anthropic.baseURL}, api_key: sk-ant-file-key-0001 }`,
      `  gemini: { type: gemini, base_url: ${gemini.baseURL}, api_key: AIzaFileKey0001 }`,
      ...extraYaml,
    ].join('\n'),
  )
  const config = loadConfig(['--config', configPath], { OPTIPROXY_LOG_LEVEL: 'silent', ...env })
  const proxy = await startServer(config)
  return {
    openai,
    anthropic,
    gemini,
    proxy,
    client: new Anthropic({ baseURL: proxy.url, apiKey: clientKey, maxRetries: 0, timeout: 15_000 }),
    async close() {
      await proxy.close()
      await Promise.all([openai.close(), anthropic.close(), gemini.close()])
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/**
 * One proxy for a whole `describe` block: started before its tests, closed after them, and before each test the three
 * mock upstreams reset with the Anthropic one answering in the current wire shapes (a later `beforeEach` may set
 * another handler). The returned object reads the running proxy once `beforeAll` has started it.
 * @example const t = useMessagesProxy(); it('answers', async () => { await t.client.messages.create(...) })
 */
export function useMessagesProxy(settings: { extraYaml?: string[]; env?: Record<string, string>; clientKey?: string } = {}): MessagesProxyUnderTest {
  let started: MessagesProxyUnderTest | undefined
  beforeAll(async () => {
    started = await startMessagesProxy(settings.extraYaml, settings.env, settings.clientKey)
  })
  afterAll(async () => {
    await started?.close()
  })
  beforeEach(() => {
    if (started === undefined) return
    started.openai.reset()
    started.anthropic.reset()
    started.gemini.reset()
    started.anthropic.setHandler(replyAsCurrentAnthropic)
  })
  return new Proxy({} as MessagesProxyUnderTest, {
    get(_target, key) {
      if (started === undefined) throw new Error('the proxy starts in beforeAll: read it inside a test or a hook')
      return Reflect.get(started, key)
    },
  })
}
