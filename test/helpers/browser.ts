import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

/** Where browser tests save their screenshots (gitignored; CI keeps them as artifacts). */
export const artifactsFolder = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

/** Debian's chromium (installed by .ci/run with apt-get), or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Launches the machine's headless Chromium through playwright-core (no browser download).
 * @example const browser = await launchChromium(); const page = await browser.newPage()
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`No Chromium at ${chromiumPath}: apt-get install -y chromium (see .ci/run) or set CHROMIUM_PATH`)
  mkdirSync(artifactsFolder, { recursive: true })
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}

/**
 * Builds the console into dist/console (what `npm run build` does), so the proxy under test serves the current code.
 * @example await buildConsole()
 */
export async function buildConsole(): Promise<void> {
  const { build } = await import('vite')
  await build({ configFile: fileURLToPath(new URL('../../console/vite.config.ts', import.meta.url)), logLevel: 'error' })
}
