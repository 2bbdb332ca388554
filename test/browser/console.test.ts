import { copyFileSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { approachRegistry } from '../../approaches/registry.js'
import type { Approach } from '../../src/core/approach.js'
import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config.js'
import { createAppOperations } from '../../src/operations/app-operations.js'
import { builtInApproachDefaults, startApproach } from '../../src/approach-runtime/run-approach.js'
import { judgedApproach } from '../helpers/judged-approach.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifactsFolder, buildConsole, launchChromium } from '../helpers/browser.js'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { waitForTrace } from '../helpers/traces.js'

/** UPDATE_DOCS_SCREENSHOTS=1 copies the two README screenshots into docs/. */
const docsFolder = new URL('../../docs/', import.meta.url)
const readmeScreenshots = new Set(['console-request-detail', 'console-playground'])

/** Answers like a model: a rating when asked to rate, else an answer streamed word by word (slowly enough to see). */
function replyLikeAModel(request: RecordedRequest) {
  const body = request.body as { stream?: boolean; messages: Array<{ content: unknown }> }
  const last = JSON.stringify(body.messages.at(-1)?.content ?? '')
  const content = /Rating: N|Score: N/.test(last) ? 'The reasoning holds. Rating: 8' : '17 * 23 = 391. The answer is 391.'
  const usage = { promptTokens: 24, completionTokens: 12 }
  if (body.stream === true)
    return { kind: 'sse' as const, events: buildChatCompletionChunks({ text: content.split(/(?<= )/), includeUsage: true, usage }), delayMs: 15 }
  return { kind: 'json' as const, body: buildChatCompletion({ content, usage }) }
}

let browser: Browser
beforeAll(async () => {
  await buildConsole()
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
})

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifactsFolder, `${name}.png`), fullPage: true })
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1' && readmeScreenshots.has(name)) {
    mkdirSync(docsFolder, { recursive: true })
    copyFileSync(join(artifactsFolder, `${name}.png`), new URL(`${name}.png`, docsFolder))
  }
}

describe('the console in headless Chromium', () => {
  let t: ProxyUnderTest
  let page: Page
  const errors: string[] = []
  beforeAll(async () => {
    t = await startProxyUnderTest({ logPrompts: true })
    t.upstream.setHandler(replyLikeAModel)
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
    // a CSP violation or a script error fails the suite
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
    page.on('pageerror', (error) => errors.push(error.message))
  })
  afterAll(async () => {
    await page?.close()
    await t?.close()
  })

  it('lists a request made through the SDK, live, and its detail shows the call tree with the right number of calls', async () => {
    await page.goto(`${t.proxy.url}/ui/`)
    await page.locator('.badge.live').waitFor()
    t.upstream.reset()
    t.upstream.setHandler(replyLikeAModel)
    await t.client.chat.completions.create(
      { model: 'bon-gpt-4o-mini', messages: [{ role: 'user', content: 'What is 17 * 23?' }] },
      { headers: { 'x-request-id': 'req_console_1' } },
    )
    const calls = t.upstream.requests.length
    await waitForTrace(t.proxy.url, 'req_console_1')
    // the live feed added the row without a reload
    const row = page.locator('tr[data-trace-id="req_console_1"]')
    await row.waitFor()
    expect(await row.locator('td.calls').textContent()).toBe(String(calls))
    await row.locator('a').click()
    await page.locator('.waterfall').waitFor()
    expect(await page.locator('.waterfall [data-kind="upstream_call"]').count()).toBe(calls)
    expect(await page.locator('.waterfall [data-kind="stage"]').count()).toBe(1)
    expect(await page.locator('dd.calls').textContent()).toBe(String(calls))
    await screenshot(page, 'console-request-detail')
    expect(errors).toEqual([])
  })

  it('runs two approaches side by side in the playground against the mock and shows both answers', async () => {
    await page.goto(`${t.proxy.url}/ui/#/playground`)
    await page.locator('input[name="approach-0"]').fill('none')
    await page.locator('input[name="approach-1"]').fill('moa')
    t.upstream.reset()
    t.upstream.setHandler(replyLikeAModel)
    await page.locator('button[name="run"]').click()
    for (const column of [0, 1]) {
      const answer = page.locator(`[data-column="${column}"] .answer`)
      await expect.poll(async () => answer.textContent(), { timeout: 10_000 }).toContain('391')
      await expect.poll(async () => page.locator(`[data-column="${column}"] .stats`).textContent(), { timeout: 10_000 }).not.toContain('calls …')
    }
    expect(await page.locator('[data-column="0"] .stats').textContent()).toContain('calls 1')
    // moa made several calls; the two columns together made every call the mock saw
    const moaCalls = Number(/calls (\d+)/.exec((await page.locator('[data-column="1"] .stats').textContent()) ?? '')?.[1])
    expect(moaCalls).toBeGreaterThan(1)
    expect(1 + moaCalls).toBe(t.upstream.requests.length)
    await screenshot(page, 'console-playground')
    expect(errors).toEqual([])
  })

  it('serves the console under a strict Content-Security-Policy', async () => {
    const response = await fetch(`${t.proxy.url}/ui/`)
    const policy = response.headers.get('content-security-policy') ?? ''
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("default-src 'none'")
    expect(policy).not.toContain('unsafe-inline')
    expect(await response.text()).not.toMatch(/<script>(?!<)/)
  })
})

describe('the console with an admin key', () => {
  it('refuses access without the admin key and shows the requests with it', async () => {
    const t = await startProxyUnderTest({ adminKey: 'admin-secret-456' })
    const page = await browser.newPage()
    try {
      await t.client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': 'req_private_1' } },
      )
      await page.goto(`${t.proxy.url}/ui/`)
      await page.locator('form.login').waitFor()
      expect(await page.locator('tr[data-trace-id]').count()).toBe(0)
      await page.locator('input[name="admin-key"]').fill('wrong-key-000')
      await page.locator('form.login button').click()
      await page.locator('form.login').waitFor()
      expect(await page.locator('form.login').textContent()).toContain('Incorrect admin key')
      await screenshot(page, 'console-login-refused')
      await page.locator('input[name="admin-key"]').fill('admin-secret-456')
      await page.locator('form.login button').click()
      await page.locator('tr[data-trace-id="req_private_1"]').waitFor()
    } finally {
      await page.close()
      await t.close()
    }
  })
})

describe('the candidates of a request', () => {
  it("shows each candidate's text, rating and the vote, with the winner marked", async () => {
    const config = configSchema.parse({ host: '127.0.0.1', port: 0, logLevel: 'silent', logPrompts: true })
    const operations = createAppOperations(config)
    // a run of a test approach that labels its steps and records facts, traced by the app's own tracing
    const provider = createScriptedProvider((call) =>
      call.index === 0 ? 'Candidate A says 4' : call.index === 1 ? 'Candidate B says 4, shown step by step' : 'Rating: 7',
    )
    const started = startApproach(
      {
        provider,
        registry: new Map([...approachRegistry, ['judged', judgedApproach as Approach<unknown>]]),
        defaultApproach: 'none',
        approachDefaults: builtInApproachDefaults,
        ...(operations.tracing === undefined ? {} : { tracing: operations.tracing }),
      },
      { request: { model: 'judged-test-model', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }], extra: {} }, streaming: false },
      { signal: new AbortController().signal, trace: { id: 'req_judged_1' } },
    )
    for await (const _event of started.events) void _event
    const app = createApp(config, { operations })
    const server = await new Promise<ServerType>((resolve) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening))
    })
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    try {
      const { port } = server.address() as AddressInfo
      await page.goto(`http://127.0.0.1:${port}/ui/#/requests/req_judged_1`)
      await page.locator('.candidates').waitFor()
      expect(await page.locator('.card').count()).toBe(2)
      expect(await page.locator('.card.winner').count()).toBe(1)
      const winner = page.locator('.card.winner')
      expect(await winner.getAttribute('data-candidate')).toBe('1')
      expect(await winner.textContent()).toContain('rating 9')
      expect(await winner.textContent()).toContain('Candidate B says 4')
      expect(await page.locator('.card:not(.winner)').textContent()).toContain('rating 4')
      expect(await page.locator('.vote li.winner').textContent()).toBe('4: 2')
      expect(await page.locator('.waterfall [data-kind="step"]').count()).toBe(4)
      expect(await page.locator('.waterfall [data-kind="upstream_call"]').count()).toBe(provider.calls.length)
      await screenshot(page, 'console-candidates')
    } finally {
      await page.close()
      await new Promise((resolve) => server.close(resolve))
      await operations.tracing?.close()
    }
  })
})
