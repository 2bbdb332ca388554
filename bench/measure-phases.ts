/**
 * The bench's measurements, one function per metric, each run against one target at a time; bench/run.ts
 * interleaves the targets round by round.
 */
import { readCpuTicks, readRssBytes } from './child-services.js'
import {
  createKeepAliveAgent,
  measureSequentialLatencies,
  measureStreamTimings,
  openStreamUntilFirstByte,
  postChatCompletion,
  readChatStream,
  runClosedLoop,
  type ClosedLoopResult,
} from './load-client.js'
import { computeMedian, computePercentile, waitMs } from './measure-utils.js'
import type { MockUpstreamCounters, MockUpstreamSettings } from './mock-upstream.js'
import type { AbortOutcome, TargetName } from './report.js'

export interface BenchTarget {
  name: TargetName
  url: URL
  pid: number
}

/** The mock upstream's control routes, called directly (never through a proxy). */
export interface MockControl {
  readStats(): Promise<MockUpstreamCounters>
  configure(settings: Partial<MockUpstreamSettings>): Promise<void>
}

/**
 * A client for the mock's control routes at its origin.
 * @example await createMockControl(mock.url).configure({ firstByteDelayMs: 20 })
 */
export function createMockControl(origin: URL): MockControl {
  return {
    async readStats() {
      const response = await fetch(new URL('/__bench/stats', origin))
      if (!response.ok) throw new Error(`mock stats: HTTP ${response.status}`)
      return (await response.json()) as MockUpstreamCounters
    },
    async configure(settings) {
      const response = await fetch(new URL('/__bench/config', origin), { method: 'POST', body: JSON.stringify(settings) })
      if (!response.ok) throw new Error(`mock config: HTTP ${response.status}`)
      await response.arrayBuffer()
    },
  }
}

/**
 * Runs `measure` for every target in every round, alternating which target goes first, and collects each
 * target's per-round results.
 * @example const p50s = await measureInRounds(targets, 3, (target) => measureSomething(target))
 */
export async function measureInRounds<T>(
  targets: readonly BenchTarget[],
  rounds: number,
  measure: (target: BenchTarget, round: number) => Promise<T>,
): Promise<Record<TargetName, T[]>> {
  const results: Record<TargetName, T[]> = { minimal: [], optiproxy: [] }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) results[target.name].push(await measure(target, round))
  }
  return results
}

/**
 * Checks that a target answers in the exact wire format: a chat.completion body, and a stream of
 * chat.completion.chunk frames with the same content, a usage chunk and `[DONE]`.
 * @example await validateAnswers(target, body, streamBody)
 */
export async function validateAnswers(target: BenchTarget, body: Buffer, streamBody: Buffer): Promise<void> {
  const agent = createKeepAliveAgent(1)
  try {
    const { text } = await postChatCompletion(agent, target.url, body, true)
    const completion = JSON.parse(text) as { object?: unknown; choices?: Array<{ message?: { content?: unknown } }>; usage?: { total_tokens?: unknown } }
    const content = completion.choices?.[0]?.message?.content
    if (completion.object !== 'chat.completion' || typeof content !== 'string' || content === '' || typeof completion.usage?.total_tokens !== 'number') {
      throw new Error(`${target.name}: not a chat.completion with content and usage: ${text.slice(0, 300)}`)
    }
    const stream = await readChatStream(agent, target.url, streamBody, true)
    const frames = stream.text.split('\n\n').filter((frame) => frame !== '')
    if (frames.pop() !== 'data: [DONE]') throw new Error(`${target.name}: the stream's last frame is not data: [DONE]`)
    let streamed = ''
    let usageChunks = 0
    for (const frame of frames) {
      if (!frame.startsWith('data: ')) throw new Error(`${target.name}: unexpected SSE frame ${frame.slice(0, 100)}`)
      const chunk = JSON.parse(frame.slice(6)) as { object?: unknown; choices?: Array<{ delta?: { content?: unknown } }>; usage?: unknown }
      if (chunk.object !== 'chat.completion.chunk') throw new Error(`${target.name}: a frame is not a chat.completion.chunk: ${frame.slice(0, 100)}`)
      for (const choice of chunk.choices ?? []) if (typeof choice.delta?.content === 'string') streamed += choice.delta.content
      if (chunk.choices?.length === 0 && chunk.usage !== null && typeof chunk.usage === 'object') usageChunks++
    }
    if (streamed !== content) throw new Error(`${target.name}: streamed content ${JSON.stringify(streamed)} differs from ${JSON.stringify(content)}`)
    if (usageChunks !== 1) throw new Error(`${target.name}: expected one usage chunk with choices: [], saw ${usageChunks}`)
  } finally {
    agent.destroy()
  }
}

/**
 * Sequential latency: p50 and p99 in ms of `count` requests sent one after another.
 * @example const { p50, p99 } = await measureSequential(target, body, 1000)
 */
export async function measureSequential(target: BenchTarget, body: Buffer, count: number): Promise<{ p50: number; p99: number }> {
  const latencies = await measureSequentialLatencies(target.url, body, count)
  return { p50: computePercentile(latencies, 50), p99: computePercentile(latencies, 99) }
}

/**
 * Samples a process's RSS until stopped; stop() resolves the peak in bytes.
 * @example const sampler = startRssSampler(pid, 50); ...; const peak = sampler.stop()
 */
export function startRssSampler(pid: number, intervalMs: number): { stop(): number } {
  let peak = readRssBytes(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssBytes(pid))
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, readRssBytes(pid))
    },
  }
}

export interface ThroughputResult {
  rps: number
  p50Ms: number
  p99Ms: number
  peakRssBytes: number
}

/**
 * Requests per second of a closed loop at the given concurrency for durationMs, with latency percentiles and
 * the target's peak RSS sampled every 50 ms.
 * @example const { rps } = await measureThroughput(target, body, 64, 5000)
 */
export async function measureThroughput(target: BenchTarget, body: Buffer, concurrency: number, durationMs: number): Promise<ThroughputResult> {
  const sampler = startRssSampler(target.pid, 50)
  let result: ClosedLoopResult
  try {
    result = await runClosedLoop(target.url, body, { concurrency, durationMs })
  } catch (error) {
    sampler.stop()
    throw error
  }
  const peakRssBytes = sampler.stop()
  return {
    rps: (result.completed * 1000) / result.elapsedMs,
    p50Ms: computePercentile(result.latenciesMs, 50),
    p99Ms: computePercentile(result.latenciesMs, 99),
    peakRssBytes,
  }
}

export interface CpuResult {
  /** The target's own CPU time per request, user plus system. */
  targetMicros: number
  /** The mock upstream's CPU time per request over the same batch. */
  mockMicros: number
  /** This process's (the load generator's) CPU time per request over the same batch. */
  clientMicros: number
}

/**
 * CPU microseconds per request: /proc utime+stime of the target (and of the mock) before and after a fixed
 * batch of requests at concurrency 16, divided by the batch size.
 * @example const { targetMicros } = await measureCpuPerRequest(target, mockPid, body, 5000, 100)
 */
export async function measureCpuPerRequest(target: BenchTarget, mockPid: number, body: Buffer, count: number, ticksPerSecond: number): Promise<CpuResult> {
  await waitMs(200)
  const targetBefore = readCpuTicks(target.pid)
  const mockBefore = readCpuTicks(mockPid)
  const clientBefore = process.cpuUsage()
  await runClosedLoop(target.url, body, { concurrency: 16, count })
  const client = process.cpuUsage(clientBefore)
  const microsPerTick = 1e6 / ticksPerSecond
  return {
    targetMicros: ((readCpuTicks(target.pid) - targetBefore) * microsPerTick) / count,
    mockMicros: ((readCpuTicks(mockPid) - mockBefore) * microsPerTick) / count,
    clientMicros: (client.user + client.system) / count,
  }
}

/**
 * Stream timings: the median time to the first `data:` byte and to the first content, over `count` streams
 * with `concurrency` open at a time.
 * @example const { ttfbMs } = await measureStreams(target, streamBody, 70, 4)
 */
export async function measureStreams(
  target: BenchTarget,
  streamBody: Buffer,
  count: number,
  concurrency: number,
): Promise<{ ttfbMs: number; firstContentMs: number }> {
  const timings = await measureStreamTimings(target.url, streamBody, count, concurrency)
  return { ttfbMs: computeMedian(timings.map((t) => t.ttfbMs)), firstContentMs: computeMedian(timings.map((t) => t.firstContentMs)) }
}

async function waitForEarlyCloses(mock: MockControl, atLeast: number, timeoutMs: number): Promise<MockUpstreamCounters> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const stats = await mock.readStats()
    if (stats.streamsClosedEarly >= atLeast || Date.now() >= deadline) return stats
    await waitMs(2)
  }
}

/**
 * Opens `count` slow streams at once, waits for the first `data:` byte of each, then aborts them one by one and
 * asks the mock when it saw each upstream connection close. The mock must be set to stream slowly.
 * @example const outcome = await measureAborts(target, mockControl, streamBody, 20, 1000)
 */
export async function measureAborts(target: BenchTarget, mock: MockControl, streamBody: Buffer, count: number, limitMs: number): Promise<AbortOutcome> {
  const agent = createKeepAliveAgent(count)
  try {
    const base = (await mock.readStats()).streamsClosedEarly
    const streams = await Promise.all(Array.from({ length: count }, () => openStreamUntilFirstByte(agent, target.url, streamBody)))
    const closeMs: number[] = []
    let seen = base
    for (const stream of streams) {
      const abortedAt = stream.abort()
      const stats = await waitForEarlyCloses(mock, seen + 1, limitMs + 500)
      if (stats.streamsClosedEarly > seen) {
        seen = stats.streamsClosedEarly
        closeMs.push(stats.lastEarlyCloseEpochMs - abortedAt)
      }
    }
    const final = await waitForEarlyCloses(mock, base + count, 1000)
    return {
      streams: count,
      cancelled: final.streamsClosedEarly - base,
      cancelledWithinLimit: closeMs.filter((ms) => ms <= limitMs).length,
      maxCloseMs: closeMs.length === 0 ? Number.NaN : Math.max(...closeMs),
      medianCloseMs: computeMedian(closeMs),
    }
  } finally {
    agent.destroy()
  }
}
