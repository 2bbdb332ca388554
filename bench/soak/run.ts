/**
 * The soak benchmark (a report, not a test): many concurrent streams through optiproxy against the bench's mock
 * upstream for minutes, each in its own process. Reports optiproxy's RSS before, during (peak and last) and after
 * the load (once it has settled), the error count and the time to first byte (p50/p99), and writes
 * .bench/soak.json. Exit code 0 whatever the figures; non-zero when the harness breaks.
 *
 * `npm run bench:soak`; environment: SOAK_SCALE (duration factor; 1 = 180 s, 0.05 for a CI-size run),
 * SOAK_STREAMS (concurrent streams, default 1000), SOAK_LOG_LEVEL (optiproxy's log level, default info).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { installExitCleanup, killAllServices, readRssBytes, startService, stopService } from '../child-services.js'
import { readChatStream } from '../load-client.js'
import { createMockControl } from '../measure-phases.js'
import { computePercentile, waitMs } from '../measure-utils.js'

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url))
const mebibyte = 2 ** 20

function readSettings(env: NodeJS.ProcessEnv) {
  const scale = Number(env.SOAK_SCALE ?? 1)
  if (!(scale > 0)) throw new Error(`SOAK_SCALE must be a positive number, got ${env.SOAK_SCALE}`)
  const streams = Math.max(1, Math.floor(Number(env.SOAK_STREAMS ?? 1000)))
  return {
    scale,
    streams,
    durationMs: Math.max(5_000, Math.round(180_000 * scale)),
    settleMs: Math.max(5_000, Math.round(20_000 * scale)),
    logLevel: env.SOAK_LOG_LEVEL ?? 'info',
  }
}

function buildChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(OPTIPROXY_|OPENAI_|PORT$|HOST$)/.test(key)) env[key] = value
  return { ...env, NODE_ENV: 'production', ...extra }
}

/** optiproxy's V8 heap in use, from its own /metrics (prom-client's process metrics). */
async function readHeapUsedMiB(origin: URL): Promise<number> {
  const text = await (await fetch(new URL('/metrics', origin))).text()
  const match = /^optiproxy_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) / mebibyte
}

function log(message: string): void {
  process.stdout.write(`[soak] ${message}\n`)
}

const streamBody = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Stream a short answer, please.' }],
    stream: true,
    stream_options: { include_usage: true },
  }),
)

async function runSoak(): Promise<void> {
  const settings = readSettings(process.env)
  log(`settings ${JSON.stringify(settings)}, node ${process.version}`)
  const distBench = fileURLToPath(new URL('../', import.meta.url))
  const mockService = await startService('mock-upstream', [`${distBench}mock-upstream.js`], buildChildEnv({ PORT: '0' }))
  const mock = createMockControl(mockService.url)
  // each stream: 20 content chunks 50 ms apart, about a second, like a short real answer
  await mock.configure({ firstByteDelayMs: 20, chunkDelayMs: 50, contentChunks: 20 })
  const optiproxy = await startService(
    'optiproxy',
    [`${projectRoot}dist/src/cli.js`],
    buildChildEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_BASE_URL: `${mockService.url.origin}/v1`,
      OPENAI_API_KEY: 'soak-upstream-key',
      OPTIPROXY_LOG_LEVEL: settings.logLevel,
    }),
  )
  const rssMiB = (): number => readRssBytes(optiproxy.pid) / mebibyte

  // a short warm-up so "before" is the steady idle state, not a cold start
  const warmAgent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  for (let i = 0; i < 50; i++) await readChatStream(warmAgent, optiproxy.url, streamBody)
  warmAgent.destroy()
  await waitMs(2_000)
  const before = rssMiB()
  const heapBefore = await readHeapUsedMiB(optiproxy.url)
  log(`RSS before: ${before.toFixed(1)} MiB; ${settings.streams} concurrent streams for ${settings.durationMs / 1000} s`)

  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.streams, maxFreeSockets: settings.streams })
  const ttfbMs: number[] = []
  const errors = new Map<string, number>()
  let completed = 0
  let peak = before
  const samples: Array<{ atS: number; rssMiB: number }> = []
  const startedAt = Date.now()
  const sampler = setInterval(() => {
    const rss = rssMiB()
    peak = Math.max(peak, rss)
    samples.push({ atS: Math.round((Date.now() - startedAt) / 1000), rssMiB: Number(rss.toFixed(1)) })
    log(
      `t=${Math.round((Date.now() - startedAt) / 1000)} s RSS ${rss.toFixed(1)} MiB, ${completed} streams done, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors`,
    )
  }, 10_000)
  const deadline = startedAt + settings.durationMs
  // the streams open over the first seconds, as clients arrive, not in one burst past the listen backlog
  const rampMs = Math.min(5_000, settings.durationMs / 4)
  const worker = async (index: number): Promise<void> => {
    await waitMs((index * rampMs) / settings.streams)
    while (Date.now() < deadline) {
      try {
        const timing = await readChatStream(agent, optiproxy.url, streamBody)
        ttfbMs.push(timing.ttfbMs)
        completed++
      } catch (error) {
        const key = error instanceof Error ? error.message.slice(0, 80) : String(error)
        errors.set(key, (errors.get(key) ?? 0) + 1)
      }
    }
  }
  await Promise.all(Array.from({ length: settings.streams }, (_, index) => worker(index)))
  clearInterval(sampler)
  const during = rssMiB()
  peak = Math.max(peak, during)
  agent.destroy()
  log(`load ended after ${((Date.now() - startedAt) / 1000).toFixed(0)} s; settling for ${settings.settleMs / 1000} s`)
  await waitMs(settings.settleMs)
  const after = rssMiB()
  const heapAfter = await readHeapUsedMiB(optiproxy.url)
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0)
  const result = {
    settings,
    streamsCompleted: completed,
    streamsPerSecond: Number((completed / (settings.durationMs / 1000)).toFixed(1)),
    errors: errorCount,
    errorKinds: Object.fromEntries(errors),
    ttfbMs: {
      p50: Number(computePercentile(ttfbMs, 50).toFixed(1)),
      p99: Number(computePercentile(ttfbMs, 99).toFixed(1)),
      max: Number(Math.max(...ttfbMs).toFixed(1)),
    },
    rssMiB: { before: Number(before.toFixed(1)), duringPeak: Number(peak.toFixed(1)), duringEnd: Number(during.toFixed(1)), after: Number(after.toFixed(1)) },
    heapUsedMiB: { before: Number(heapBefore.toFixed(1)), after: Number(heapAfter.toFixed(1)) },
    samples,
  }
  await stopService(optiproxy, 30_000)
  await stopService(mockService)
  mkdirSync(`${projectRoot}.bench`, { recursive: true })
  writeFileSync(`${projectRoot}.bench/soak.json`, `${JSON.stringify(result, null, 2)}\n`)
  log(`streams completed ${completed} (${result.streamsPerSecond}/s), errors ${errorCount}`)
  log(`TTFB p50 ${result.ttfbMs.p50} ms, p99 ${result.ttfbMs.p99} ms, max ${result.ttfbMs.max} ms`)
  log(
    `RSS before ${result.rssMiB.before} MiB, during peak ${result.rssMiB.duringPeak} MiB (end of load ${result.rssMiB.duringEnd}), after ${result.rssMiB.after} MiB`,
  )
  log(`V8 heap used before ${result.heapUsedMiB.before} MiB, after ${result.heapUsedMiB.after} MiB`)
  if (errorCount > 0) log(`error kinds: ${JSON.stringify(result.errorKinds)}`)
}

installExitCleanup()
runSoak().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    killAllServices()
    process.exit(2)
  },
)
