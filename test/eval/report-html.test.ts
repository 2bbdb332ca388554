import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runEvalCommand } from '../../src/eval/eval-command.js'
import type { SummaryRow } from '../../src/eval/summarize-results.js'

// the report is checked in a real browser: Debian's chromium (.ci/run installs it)
const chromiumPath = process.env.OPTIPROXY_CHROMIUM ?? '/usr/bin/chromium'
const browserFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

let browser: Browser
let out: string
let summary: SummaryRow[]

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'optiproxy-report-'))
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() })
  const { exitCode } = await runEvalCommand(['--demo', '--out', out], {
    env: {},
    stdout: sink,
    stderr: process.stderr,
    stop: new AbortController().signal,
    progress: false,
  })
  expect(exitCode).toBe(0)
  summary = (JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { summary: SummaryRow[] }).summary
  browser = await chromium.launch({ executablePath: chromiumPath, args: browserFlags })
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

describe('report.html', () => {
  it('is one self-contained page: tables and three Vega-Lite charts as inline SVG, nothing fetched', async () => {
    const page = await browser.newPage()
    const requested: string[] = []
    page.on('request', (request) => requested.push(request.url()))
    const url = pathToFileURL(join(out, 'report.html')).href
    await page.goto(url)
    expect(requested).toEqual([url])
    expect(await page.title()).toBe('optiproxy eval report')
    expect(await page.locator('#summary tbody tr').count()).toBe(summary.length)
    expect(await page.locator('#comparisons tbody tr').count()).toBe(4)
    const firstRow = await page.locator('#summary tbody tr').first().locator('td').allTextContents()
    expect(firstRow.slice(0, 3)).toEqual(['none', 'sim-small', `${(summary[0]!.accuracy * 100).toFixed(1)}%`])

    const readChart = async (id: string) => {
      const svg = page.locator(`#${id} > svg`)
      expect(await svg.count()).toBe(1)
      const box = await svg.boundingBox()
      const dashes = await svg.locator('.mark-line path').evaluateAll((paths) => paths.filter((path) => path.getAttribute('stroke-dasharray') !== null).length)
      return {
        width: box?.width ?? 0,
        texts: await svg.locator('text').allTextContents(),
        symbols: await svg.locator('.mark-symbol path').count(),
        rules: await svg.locator('.mark-rule line').count(),
        bars: await svg.locator('.mark-rect path').count(),
        dashedLines: dashes,
      }
    }
    const charts = [await readChart('chart-accuracy'), await readChart('chart-cost-accuracy'), await readChart('chart-latency')]
    const [accuracy, costAccuracy, latency] = charts
    // accuracy: a point and an interval per approach × model, labelled with the accuracy
    expect(accuracy!.width).toBeGreaterThan(300)
    expect(accuracy!.symbols).toBe(summary.length)
    expect(accuracy!.rules).toBeGreaterThanOrEqual(summary.length)
    for (const row of summary) expect(accuracy!.texts).toContain(`${(row.accuracy * 100).toFixed(1)}%`)
    // accuracy against cost: every row a point, labelled, the Pareto front joined by a dashed line
    expect(costAccuracy!.symbols).toBeGreaterThanOrEqual(summary.length)
    expect(costAccuracy!.dashedLines).toBe(1)
    expect(costAccuracy!.texts).toContain('on the Pareto front')
    for (const row of summary) expect(costAccuracy!.texts).toContain(`${row.approach} · ${row.model}`)
    // latency: a bar per row
    expect(latency!.bars).toBeGreaterThanOrEqual(summary.length)
    expect(latency!.texts.join(' ')).toContain('milliseconds')
    await page.close()
  })
})
