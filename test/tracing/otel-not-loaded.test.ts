import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Runs a proxy in a child process whose module resolution reports every `@opentelemetry/*` import (a module hook), makes a
 * traced request and prints what it saw. Without OTEL_EXPORTER_OTLP_ENDPOINT the packages must never be asked for.
 */
function runChild(env: Record<string, string>): { status: number | null; output: string } {
  const hooks = `data:text/javascript,${encodeURIComponent(
    "import { writeSync } from 'node:fs'; export async function resolve(specifier, context, next) { if (specifier.startsWith('@opentelemetry/')) writeSync(2, 'loaded ' + specifier + '\\n'); return next(specifier, context) }",
  )}`
  const script = `
    import { register } from 'node:module'
    register(${JSON.stringify(hooks)})
    const { configSchema } = await import('./src/config.ts')
    const { startServer } = await import('./src/server.ts')
    const provider = {
      id: 'stub',
      async generate() { return { metadata: {}, choices: [{ index: 0, text: 'hi', reasoning: '', refusal: null, toolCalls: [], finishReason: 'stop', logprobs: null, refusalLogprobs: null }] } },
      async *stream() { yield { type: 'text-delta', choice: 0, delta: 'hi' }; yield { type: 'finish', choice: 0, finishReason: 'stop' } },
      async listModels() { return undefined },
    }
    const config = configSchema.parse({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...(process.env.ENDPOINT ? { otelEndpoint: process.env.ENDPOINT } : {}) })
    const server = await startServer(config, { provider })
    const response = await fetch(server.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'r1' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) })
    await response.text()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const trace = await fetch(server.url + '/v1/optiproxy/traces/r1')
    console.log('status', response.status, 'trace', trace.status)
    process.exit(0)
  `
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: child.status, output: `${child.stdout}${child.stderr}` }
}

describe('no OpenTelemetry without an endpoint', () => {
  it('never loads an @opentelemetry package when OTEL_EXPORTER_OTLP_ENDPOINT is unset, and still traces', () => {
    const run = runChild({})
    expect(run.output.slice(0, 600)).toContain('status 200 trace 200')
    expect(run.output).not.toContain('loaded @opentelemetry')
  }, 60_000)

  it('loads them when an endpoint is set (the check above can fail)', () => {
    const run = runChild({ ENDPOINT: 'http://127.0.0.1:9/' })
    expect(run.output).toContain('loaded @opentelemetry')
  }, 60_000)
})
