import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { replyAsCurrentAnthropic } from '../helpers/anthropic-current-shapes.js'
import { startMessagesProxy, type MessagesProxyUnderTest } from '../helpers/start-messages-proxy.js'

/**
 * Claude Code itself as a client, headless (`claude -p`), against the proxy in front of mock upstreams. It is
 * installed by test/helpers/install-claude-code.sh (which .ci/run calls) into a cache folder, not as a dependency.
 * Without it the suite is skipped, except in CI (OPTIPROXY_REQUIRE_CLAUDE_CODE=1), where it fails.
 */
const installDirectory = process.env.OPTIPROXY_CLAUDE_CODE_DIR ?? join(homedir(), '.cache', 'optiproxy-claude-code')
const claudeBinary = join(installDirectory, 'node_modules', '.bin', 'claude')
const installed = existsSync(claudeBinary)
const required = process.env.OPTIPROXY_REQUIRE_CLAUDE_CODE === '1'
const run = promisify(execFile)

interface ClaudeResult {
  type: 'result'
  subtype: string
  is_error: boolean
  result: string
  num_turns: number
  usage: { input_tokens: number; output_tokens: number }
}

if (!installed && required) {
  it('Claude Code is installed for this suite', () => {
    throw new Error(`Claude Code is not installed at ${claudeBinary}: run test/helpers/install-claude-code.sh (CI requires it).`)
  })
}

describe.skipIf(!installed)('Claude Code (headless) through the proxy', { timeout: 120_000 }, () => {
  let t: MessagesProxyUnderTest
  let home: string
  let workDirectory: string

  /** Runs `claude -p` with a temporary HOME and working directory, offline but for the proxy. */
  async function runClaude(args: string[]): Promise<string> {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ANTHROPIC_BASE_URL: t.proxy.url,
      ANTHROPIC_API_KEY: 'sk-client-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
    }
    const { stdout } = await run(claudeBinary, args, { cwd: workDirectory, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  }
  const ask = async (model: string, extra: string[] = []): Promise<ClaudeResult> =>
    JSON.parse(await runClaude(['-p', 'What is 2+2?', '--model', model, '--output-format', 'json', '--max-turns', '5', ...extra])) as ClaudeResult

  beforeAll(async () => {
    t = await startMessagesProxy()
    home = mkdtempSync(join(tmpdir(), 'optiproxy-claude-home-'))
    workDirectory = mkdtempSync(join(tmpdir(), 'optiproxy-claude-cwd-'))
    const { stdout } = await run(claudeBinary, ['--version'])
    // the client version this suite ran with, for the record
    console.info(`Claude Code ${stdout.trim()}`)
  })
  afterAll(async () => {
    await t?.close()
    rmSync(home, { recursive: true, force: true })
    rmSync(workDirectory, { recursive: true, force: true })
  })
  beforeEach(() => {
    t.anthropic.reset()
    t.anthropic.setHandler(replyAsCurrentAnthropic)
    t.openai.reset()
  })

  it('works on an Anthropic model: its request (beta headers, a dozen tools, context_management, thinking) reaches Anthropic as sent', async () => {
    const result = await ask('claude-sonnet-4-5')
    expect(result).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: 'Hello from the Anthropic mock.' })
    const sent = t.anthropic.requests.find((request) => (request.body as { tools?: unknown[] }).tools !== undefined)
    const body = sent?.body as { tools: unknown[]; thinking?: unknown; context_management?: unknown; model: string }
    expect(body.tools.length).toBeGreaterThanOrEqual(10)
    expect(body.thinking).toBeDefined()
    expect(body.context_management).toBeDefined()
    expect(body.model).toBe('claude-sonnet-4-5')
    expect(String(sent?.headers['anthropic-beta'])).toMatch(/claude-code/)
  })

  it('works on an OpenAI-compatible model, its tools translated', async () => {
    const result = await ask('gpt-4o-mini')
    expect(result).toMatchObject({ subtype: 'success', is_error: false, result: 'Hello! How can I help you today?' })
    const body = t.openai.requests[0]?.body as { tools: Array<{ type: string }> }
    expect(body.tools.length).toBeGreaterThanOrEqual(10)
    expect(body.tools[0]?.type).toBe('function')
  })

  it('works with an approach prefix; with its tools the request runs as one call (tool-bearing requests pass through)', async () => {
    const result = await ask('moa-claude-sonnet-4-5')
    expect(result).toMatchObject({ subtype: 'success', is_error: false, result: 'Hello from the Anthropic mock.' })
    expect(t.anthropic.requests.filter((request) => request.path.startsWith('/v1/messages') && !request.path.includes('count_tokens'))).toHaveLength(1)
  })

  it('shows the approach work as a thinking block (tools off), and a continued session sends none of it upstream', async () => {
    const output = await runClaude([
      '-p',
      'What is 2+2?',
      '--model',
      'moa-claude-sonnet-4-5',
      '--tools',
      '',
      '--output-format',
      'stream-json',
      '--verbose',
      '--max-turns',
      '5',
    ])
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; message?: { content: Array<{ type: string; thinking?: string; signature?: string; text?: string }> } })
    const blocks = lines.filter((line) => line.type === 'assistant').flatMap((line) => line.message?.content ?? [])
    expect(blocks[0]).toMatchObject({
      type: 'thinking',
      thinking: expect.stringContaining('[proposal 1]'),
      signature: expect.stringMatching(/^optiproxy\.v1\./),
    })
    expect(blocks.at(-1)).toMatchObject({ type: 'text', text: 'Hello from the Anthropic mock.' })
    expect(lines.at(-1)).toMatchObject({ type: 'result', subtype: 'success' })
    // moa: several proposals and an aggregation
    expect(t.anthropic.requests.length).toBeGreaterThanOrEqual(3)

    t.anthropic.reset()
    t.anthropic.setHandler(replyAsCurrentAnthropic)
    const second = JSON.parse(
      await runClaude(['-p', 'And 3+3?', '--continue', '--model', 'claude-sonnet-4-5', '--tools', '', '--output-format', 'json', '--max-turns', '5']),
    ) as ClaudeResult
    expect(second).toMatchObject({ subtype: 'success', is_error: false })
    const sent = JSON.stringify(t.anthropic.requests.map((request) => request.body))
    expect(sent).toContain('And 3+3?')
    expect(sent).not.toContain('optiproxy.v1.')
    expect(sent).not.toContain('[proposal 1]')
  })
})
