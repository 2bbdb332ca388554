// Renders an eval report.html to a PNG with Debian's chromium (playwright-core), for the README.
// Usage: node docs/render-report-screenshot.mjs <report.html> <out.png>
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

const [report, png] = process.argv.slice(2)
if (report === undefined || png === undefined) throw new Error('usage: render-report-screenshot.mjs <report.html> <out.png>')
const browser = await chromium.launch({
  executablePath: process.env.OPTIPROXY_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 } })
  await page.goto(pathToFileURL(resolve(report)).href)
  await page.screenshot({ path: png, fullPage: true })
} finally {
  await browser.close()
}
