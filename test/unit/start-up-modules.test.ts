import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

/** Libraries an idle proxy (no config file, no Redis, no OTLP endpoint, no request yet) must not have loaded. */
const packagesLoadedOnFirstUse = [
  'yaml',
  '@anthropic-ai/sdk',
  '@google/genai',
  'ioredis',
  'bullmq',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
  'gpt-tokenizer',
  'linkedom',
  '@mozilla/readability',
  '@modelcontextprotocol/sdk',
  'ajv',
  'compromise',
  'minisearch',
  'unpdf',
  'pyodide',
  'z3-solver',
  'vega',
  'vega-lite',
]

/** Our own modules that load with the first request of their kind (a route, a provider, a plugin's fetch). */
const modulesLoadedOnFirstUse = [
  'src/routes/messages',
  'src/routes/count-tokens',
  'src/routes/responses',
  'src/routes/completions',
  'src/routes/traces',
  'src/responses/create-responses-service',
  'src/anthropic/messages-request-schema',
  'src/openai/responses-schema',
  'providers/anthropic/index',
  'providers/gemini/index',
  'src/fetch/page-fetcher',
  'src/search/search-backend',
]

/**
 * Starts the real server in a child process whose module resolution reports every module it loads (a module hook),
 * prints `started` once it answers /health, then sends one request to each lazily loaded route (and one that goes to
 * the anthropic provider) and prints `done`.
 */
function runChild(): { status: number | null; output: string } {
  const hooks = `data:text/javascript,${encodeURIComponent(
    "import { writeSync } from 'node:fs'; export async function resolve(specifier, context, next) { const result = await next(specifier, context); writeSync(2, 'loaded ' + result.url + '\\n'); return result }",
  )}`
  const script = `
    import { register } from 'node:module'
    register(${JSON.stringify(hooks)})
    const { configSchema } = await import('./src/config.ts')
    const { startServer } = await import('./src/server.ts')
    const config = configSchema.parse({ host: '127.0.0.1', port: 0, logLevel: 'silent', openaiBaseUrl: 'http://127.0.0.1:9/v1', anthropicBaseUrl: 'http://127.0.0.1:9', anthropicApiKey: 'test-key' })
    const server = await startServer(config, { processMetrics: true })
    await (await fetch(server.url + '/health')).text()
    console.error('started')
    const post = (path, body) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => response.status + ' ' + (await response.text()).slice(0, 80))
    const statuses = [
      await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      await post('/v1/messages/count_tokens', {}),
      await post('/v1/completions', {}),
      await post('/v1/responses', {}),
      await fetch(server.url + '/v1/optiproxy/traces').then((response) => String(response.status)),
    ]
    console.error('statuses ' + statuses.map((status) => status.slice(0, 3)).join(' '))
    console.error('done')
    await server.close()
    process.exit(0)
  `
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 })
  return { status: child.status, output: `${child.stdout}${child.stderr}` }
}

/** The lines `loaded <url>` of one part of the output. */
function readLoaded(part: string): string[] {
  return part
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => line.slice('loaded '.length))
}

const isPackage = (url: string, name: string): boolean => url.includes(`/node_modules/${name}/`)
const isModule = (url: string, path: string): boolean => url.includes(`/${path}.ts`) || url.includes(`/${path}.js`)

describe('what an idle proxy has loaded', () => {
  it('loads the dialects, features, providers and libraries nobody used yet on their first use, not at start-up', () => {
    const run = runChild()
    expect(run.output).toContain('done')
    const [atStart = '', afterRequests = ''] = run.output.split('\nstarted\n')
    const startUrls = readLoaded(atStart)
    expect(
      startUrls.some((url) => isModule(url, 'src/routes/chat-completions')),
      'the hook reports our modules',
    ).toBe(true)
    expect(packagesLoadedOnFirstUse.filter((name) => startUrls.some((url) => isPackage(url, name)))).toEqual([])
    expect(modulesLoadedOnFirstUse.filter((path) => startUrls.some((url) => isModule(url, path)))).toEqual([])

    // the routes still answer (a 400 for an empty body, the anthropic call fails to connect), loading their code then
    expect(afterRequests).toMatch(/statuses 502 400 400 400 200/)
    const laterUrls = readLoaded(afterRequests)
    for (const path of [
      'src/routes/messages',
      'src/routes/count-tokens',
      'src/routes/completions',
      'src/routes/responses',
      'src/routes/traces',
      'providers/anthropic/index',
    ]) {
      expect(
        laterUrls.some((url) => isModule(url, path)),
        path,
      ).toBe(true)
    }
    expect(laterUrls.some((url) => isPackage(url, '@anthropic-ai/sdk'))).toBe(true)
  }, 60_000)
})
