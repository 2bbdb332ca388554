/**
 * optiproxy vs the minimal pass-through proxy, both in front of the same mock upstream, each in its own
 * process, measured interleaved round by round; then optiproxy alone: are moa's and bon's concurrent calls truly
 * concurrent (bench/measure-fan-out.ts)? Prints a table with targets and writes .bench/results.json.
 * Exit code 0 whatever the verdicts (it is a report); non-zero when the harness breaks.
 *
 * `npm run bench`; environment: BENCH_SCALE (0.2 for a quick run), BENCH_ROUNDS (default 3),
 * BENCH_CPU_PROF=1 (runs optiproxy under --cpu-prof and prints its top self-time functions; slows it down),
 * BENCH_TRACES=off (optiproxy without request traces, to measure what tracing costs).
 */
import { readdirSync, statSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { installExitCleanup, killAllServices, readClockTicksPerSecond, readRssBytes, startService, stopService, type ChildService } from './child-services.js'
import { runClosedLoop } from './load-client.js'
import { collectGarbage, computeMedian, waitMs } from './measure-utils.js'
import {
  createMockControl,
  measureAborts,
  measureCpuPerRequest,
  measureInRounds,
  measureSequential,
  measureStreams,
  measureThroughput,
  validateAnswers,
  type BenchTarget,
} from './measure-phases.js'
import { measureFanOut, summarizeFanOut } from './measure-fan-out.js'
import { summarizeCpuProfile } from './summarize-cpu-profile.js'
import { buildFanOutRows, buildReportRows, formatFanOutTable, formatReportTable, writeResultsJson, type TargetMetrics, type TargetName } from './report.js'

const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const mebibyte = 2 ** 20

function readSettings(env: NodeJS.ProcessEnv) {
  const scale = Number(env.BENCH_SCALE ?? 1)
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${env.BENCH_SCALE}`)
  const rounds = Math.max(1, Math.floor(Number(env.BENCH_ROUNDS ?? 3)))
  const scaleCount = (value: number, minimum: number): number => Math.max(minimum, Math.round(value * scale))
  return {
    scale,
    rounds,
    warmupRequests: scaleCount(500, 100),
    sequentialPerRound: Math.ceil(scaleCount(3000, 150) / rounds),
    throughputMs: scaleCount(5000, 500),
    cpuBatch: scaleCount(5000, 500),
    streamsPerRound: Math.ceil(scaleCount(200, 30) / rounds),
    streamConcurrency: 4,
    abortStreams: scaleCount(20, 5),
    abortLimitMs: 1000,
    settleMs: scaleCount(2000, 1000),
    // per approach and mode; each call waits 40-120 ms at the mock, a moa or bon request about 0.3 s
    fanOutRequestsPerMode: scaleCount(10, 2),
    fanOutBaseDelayMs: 40,
    fanOutJitterMs: 80,
    cpuProfile: env.BENCH_CPU_PROF === '1',
  }
}

/** The bench process's environment without the proxy's own settings, which must not leak into the children. */
function buildChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(OPTIPROXY_|OPENAI_|PORT$|HOST$)/.test(key)) env[key] = value
  return { ...env, NODE_ENV: 'production', ...extra }
}

function buildChatBody(stream: boolean): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a concise assistant. Answer in one short paragraph.' },
        {
          role: 'user',
          content:
            'Explain in two sentences why a reverse proxy in front of a language model API should stream tokens as they arrive instead of buffering the whole answer.',
        },
      ],
      temperature: 0.2,
      max_tokens: 128,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  )
}

function log(message: string): void {
  process.stdout.write(`[bench] ${message}\n`)
}

function readRssMiB(targets: readonly BenchTarget[]): Record<TargetName, number> {
  const rss: Record<TargetName, number> = { minimal: Number.NaN, optiproxy: Number.NaN }
  for (const target of targets) rss[target.name] = readRssBytes(target.pid) / mebibyte
  return rss
}

async function runBench(): Promise<void> {
  const settings = readSettings(process.env)
  const startedAt = Date.now()
  const ticksPerSecond = readClockTicksPerSecond()
  const distBench = fileURLToPath(new URL('./', import.meta.url))
  const profileDir = `${projectRoot}.bench/cpu-profile`
  log(`settings ${JSON.stringify(settings)}; ${os.cpus().length} CPUs, node ${process.version}, CLK_TCK ${ticksPerSecond}`)

  const mockService = await startService('mock-upstream', [`${distBench}mock-upstream.js`], buildChildEnv({ PORT: '0' }))
  const mock = createMockControl(mockService.url)
  const minimalService = await startService('minimal', [`${distBench}minimal-proxy.js`], buildChildEnv({ PORT: '0', UPSTREAM_URL: mockService.url.origin }))
  const optiproxyArgs = settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const optiproxyService: ChildService = await startService(
    'optiproxy',
    [...optiproxyArgs, `${projectRoot}dist/src/cli.js`],
    buildChildEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_BASE_URL: `${mockService.url.origin}/v1`,
      OPENAI_API_KEY: 'bench-upstream-key',
      // BENCH_TRACES=off measures optiproxy without request traces (default: traces on, in the memory ring)
      ...(process.env.BENCH_TRACES === undefined ? {} : { OPTIPROXY_TRACES: process.env.BENCH_TRACES }),
    }),
  )
  const targets: BenchTarget[] = [
    { name: 'minimal', url: minimalService.url, pid: minimalService.pid },
    { name: 'optiproxy', url: optiproxyService.url, pid: optiproxyService.pid },
  ]
  for (const target of targets) {
    const response = await fetch(new URL('/health', target.url))
    if (!response.ok) throw new Error(`${target.name}: GET /health answered ${response.status}`)
    await response.arrayBuffer()
  }
  await waitMs(settings.settleMs)
  const rssIdle = readRssMiB(targets)
  log(`idle RSS: minimal ${rssIdle.minimal.toFixed(1)} MiB, optiproxy ${rssIdle.optiproxy.toFixed(1)} MiB`)

  const body = buildChatBody(false)
  const streamBody = buildChatBody(true)
  await mock.configure({ firstByteDelayMs: 0, chunkDelayMs: 0, contentChunks: 16 })
  for (const target of targets) {
    await validateAnswers(target, body, streamBody)
    await runClosedLoop(target.url, body, { concurrency: 8, count: settings.warmupRequests })
  }
  log('warm-up done, both targets answer in the OpenAI wire format')

  const sequential = await measureInRounds(targets, settings.rounds, (target) => measureSequential(target, body, settings.sequentialPerRound))
  log('sequential latency done')
  const throughput16 = await measureInRounds(targets, settings.rounds, (target) => measureThroughput(target, body, 16, settings.throughputMs))
  collectGarbage()
  const throughput64 = await measureInRounds(targets, settings.rounds, (target) => measureThroughput(target, body, 64, settings.throughputMs))
  log('throughput done')
  collectGarbage()
  const cpu = await measureInRounds(targets, settings.rounds, (target) =>
    measureCpuPerRequest(target, mockService.pid, body, settings.cpuBatch, ticksPerSecond),
  )
  log('CPU per request done')

  await mock.configure({ firstByteDelayMs: 20, chunkDelayMs: 20, contentChunks: 4 })
  const streams = await measureInRounds(targets, settings.rounds, (target) =>
    measureStreams(target, streamBody, settings.streamsPerRound, settings.streamConcurrency),
  )
  log('stream timings done')
  await mock.configure({ firstByteDelayMs: 20, chunkDelayMs: 20, contentChunks: 200 })
  const aborts = await measureInRounds(targets, 1, (target) => measureAborts(target, mock, streamBody, settings.abortStreams, settings.abortLimitMs))
  log('aborts done')

  await waitMs(settings.settleMs + 4000 * Math.min(1, settings.scale))
  const rssAfter = readRssMiB(targets)

  // after the idle RSS, so loading the approaches does not change the phases above
  const fanOutSamples = await measureFanOut(optiproxyService.url, mockService.url, mock, {
    requestsPerMode: settings.fanOutRequestsPerMode,
    baseDelayMs: settings.fanOutBaseDelayMs,
    jitterMs: settings.fanOutJitterMs,
  })
  const fanOut = summarizeFanOut(fanOutSamples)
  log('fan-out done')
  const mockStats = await mock.readStats()
  if (mockStats.badRequests > 0 || mockStats.nonStreamClosedEarly > 0) {
    throw new Error(`the mock saw ${mockStats.badRequests} bad requests and ${mockStats.nonStreamClosedEarly} non-streamed answers cut off`)
  }

  const summarizeTarget = (name: TargetName): TargetMetrics => {
    const abort = aborts[name][0]
    if (abort === undefined) throw new Error(`no abort outcome for ${name}`)
    return {
      sequentialP50Ms: computeMedian(sequential[name].map((r) => r.p50)),
      sequentialP99Ms: computeMedian(sequential[name].map((r) => r.p99)),
      rpsC16: computeMedian(throughput16[name].map((r) => r.rps)),
      rpsC64: computeMedian(throughput64[name].map((r) => r.rps)),
      p50MsC64: computeMedian(throughput64[name].map((r) => r.p50Ms)),
      p99MsC64: computeMedian(throughput64[name].map((r) => r.p99Ms)),
      ttfbMs: computeMedian(streams[name].map((r) => r.ttfbMs)),
      firstContentMs: computeMedian(streams[name].map((r) => r.firstContentMs)),
      cpuMicrosPerRequest: computeMedian(cpu[name].map((r) => r.targetMicros)),
      rssIdleMiB: rssIdle[name],
      rssPeakLoadMiB: Math.max(...throughput64[name].map((r) => r.peakRssBytes)) / mebibyte,
      rssIdleAfterLoadMiB: rssAfter[name],
      abort,
    }
  }
  const metrics: Record<TargetName, TargetMetrics> = { minimal: summarizeTarget('minimal'), optiproxy: summarizeTarget('optiproxy') }
  const rows = [...buildReportRows(metrics, settings.abortLimitMs), ...buildFanOutRows(fanOut)]
  const elapsedS = (Date.now() - startedAt) / 1000

  await stopService(optiproxyService, 10_000)
  await stopService(minimalService)
  await stopService(mockService)
  const profile = settings.cpuProfile ? summarizeNewestProfile(profileDir) : undefined

  console.log(`\noptiproxy vs minimal pass-through proxy (medians of ${settings.rounds} interleaved rounds, scale ${settings.scale}, ${elapsedS.toFixed(0)} s)`)
  if (settings.cpuProfile) console.log('optiproxy ran under --cpu-prof: its numbers are slower than without the profiler')
  console.log('')
  console.log(formatReportTable(rows))
  console.log(
    `\nload generator CPU per request: ${computeMedian(cpu.minimal.map((r) => r.clientMicros)).toFixed(0)} µs (minimal run), ` +
      `${computeMedian(cpu.optiproxy.map((r) => r.clientMicros)).toFixed(0)} µs (optiproxy run); mock upstream: ` +
      `${computeMedian(cpu.minimal.map((r) => r.mockMicros)).toFixed(0)} / ${computeMedian(cpu.optiproxy.map((r) => r.mockMicros)).toFixed(0)} µs`,
  )
  console.log(
    `\nfan-out (optiproxy alone; ${settings.fanOutRequestsPerMode} non-streamed + ${settings.fanOutRequestsPerMode} streamed requests per approach, ` +
      `one at a time; every upstream call waits ${settings.fanOutBaseDelayMs}-${settings.fanOutBaseDelayMs + settings.fanOutJitterMs} ms at the mock, ` +
      'which times the calls; ratio = wall / slowest branch, median per request):\n',
  )
  console.log(formatFanOutTable(fanOut))
  if (profile !== undefined) console.log(`\n${profile}`)
  const resultsPath = `${projectRoot}.bench/results.json`
  writeResultsJson(resultsPath, {
    date: new Date(startedAt).toISOString(),
    elapsedSeconds: elapsedS,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, clockTicksPerSecond: ticksPerSecond },
    settings,
    rows,
    metrics,
    fanOut: { summaries: fanOut, samples: fanOutSamples },
    rounds: { sequential, throughput16, throughput64, cpu, streams, aborts },
    mockStats,
    cpuProfile: profile,
  })
  console.log(`\nresults written to ${resultsPath}`)
}

function summarizeNewestProfile(profileDir: string): string {
  const files = readdirSync(profileDir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => ({ path: `${profileDir}/${file}`, modified: statSync(`${profileDir}/${file}`).mtimeMs }))
    .sort((a, b) => a.modified - b.modified)
  const newest = files[files.length - 1]
  if (newest === undefined) return `no .cpuprofile was written in ${profileDir}`
  return summarizeCpuProfile(newest.path, 25)
}

installExitCleanup()
runBench().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('\nbench: the harness failed:', error)
    killAllServices()
    process.exit(1)
  },
)
