/**
 * The bench's verdict: a table of minimal vs optiproxy with each target as a ratio optiproxy/minimal (and the
 * fan-out rows, optiproxy's own wall time against its slowest branch), and the same results as JSON in
 * .bench/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FanOutSummary } from './measure-fan-out.js'

export type TargetName = 'minimal' | 'optiproxy'

export interface AbortOutcome {
  streams: number
  /** Upstream connections the mock saw closed early, whatever the delay. */
  cancelled: number
  /** Of those, the ones closed within the limit after the client's abort. */
  cancelledWithinLimit: number
  maxCloseMs: number
  medianCloseMs: number
}

export interface TargetMetrics {
  sequentialP50Ms: number
  sequentialP99Ms: number
  rpsC16: number
  rpsC64: number
  p50MsC64: number
  p99MsC64: number
  ttfbMs: number
  firstContentMs: number
  cpuMicrosPerRequest: number
  rssIdleMiB: number
  rssPeakLoadMiB: number
  rssIdleAfterLoadMiB: number
  abort: AbortOutcome
}

type NumericMetric = Exclude<keyof TargetMetrics, 'abort'>

interface MetricSpec {
  key: NumericMetric
  label: string
  /** A pass needs ratio <= limit ('max') or ratio >= limit ('min'); no target when absent. */
  target?: { kind: 'max' | 'min'; limit: number }
  digits: number
}

const metricSpecs: MetricSpec[] = [
  { key: 'sequentialP50Ms', label: 'sequential p50 (ms)', target: { kind: 'max', limit: 1.5 }, digits: 3 },
  { key: 'sequentialP99Ms', label: 'sequential p99 (ms)', digits: 3 },
  { key: 'rpsC16', label: 'throughput c=16 (req/s)', digits: 0 },
  { key: 'rpsC64', label: 'throughput c=64 (req/s)', target: { kind: 'min', limit: 0.5 }, digits: 0 },
  { key: 'p50MsC64', label: 'latency p50 at c=64 (ms)', digits: 2 },
  { key: 'p99MsC64', label: 'latency p99 at c=64 (ms)', digits: 2 },
  { key: 'ttfbMs', label: 'stream TTFB, first data: (ms)', target: { kind: 'max', limit: 2 }, digits: 2 },
  { key: 'firstContentMs', label: 'stream first content (ms)', digits: 2 },
  { key: 'cpuMicrosPerRequest', label: 'CPU per request (µs)', target: { kind: 'max', limit: 2.5 }, digits: 0 },
  { key: 'rssIdleMiB', label: 'RSS idle (MiB)', target: { kind: 'max', limit: 1.2 }, digits: 1 },
  { key: 'rssPeakLoadMiB', label: 'RSS peak at c=64 (MiB)', digits: 1 },
  { key: 'rssIdleAfterLoadMiB', label: 'RSS idle after load (MiB)', digits: 1 },
]

export interface ReportRow {
  metric: string
  minimal: string
  optiproxy: string
  ratio: string
  target: string
  verdict: 'pass' | 'FAIL' | ''
}

/**
 * Turns both targets' metrics into table rows with each target's verdict; the abort row passes when every
 * aborted stream of optiproxy was cancelled upstream within abortLimitMs.
 * @example const rows = buildReportRows(metrics, 1000)
 */
export function buildReportRows(metrics: Record<TargetName, TargetMetrics>, abortLimitMs: number): ReportRow[] {
  const rows: ReportRow[] = metricSpecs.map((spec) => {
    const minimal = metrics.minimal[spec.key]
    const optiproxy = metrics.optiproxy[spec.key]
    const ratio = optiproxy / minimal
    const target = spec.target
    const pass = target === undefined || !Number.isFinite(ratio) ? undefined : target.kind === 'max' ? ratio <= target.limit : ratio >= target.limit
    return {
      metric: spec.label,
      minimal: minimal.toFixed(spec.digits),
      optiproxy: optiproxy.toFixed(spec.digits),
      // a ratio that rounds to its limit shows one more digit, so the verdict can be read off the table
      ratio: Number.isFinite(ratio) ? `${ratio.toFixed(Number(ratio.toFixed(2)) === target?.limit ? 3 : 2)}x` : '-',
      target: target === undefined ? '' : `${target.kind === 'max' ? '<=' : '>='} ${target.limit}x`,
      verdict: pass === undefined ? '' : pass ? 'pass' : 'FAIL',
    }
  })
  const describeAbort = (outcome: AbortOutcome): string => `${outcome.cancelledWithinLimit}/${outcome.streams}, max ${outcome.maxCloseMs.toFixed(1)} ms`
  const checkAbortPass = (outcome: AbortOutcome): boolean => outcome.cancelledWithinLimit === outcome.streams && outcome.streams > 0
  rows.push({
    metric: `aborts cancelled upstream <= ${abortLimitMs} ms`,
    minimal: describeAbort(metrics.minimal.abort),
    optiproxy: describeAbort(metrics.optiproxy.abort),
    ratio: '-',
    target: 'all',
    verdict: checkAbortPass(metrics.optiproxy.abort) ? 'pass' : 'FAIL',
  })
  return rows
}

/** A fan-out stage passes when its wall time is within 10% of its slowest branch. */
export const fanOutRatioLimit = 1.1

/**
 * One row per fan-out stage: optiproxy's median wall time and slowest branch, their median ratio (per request)
 * against the 1.1x target. The minimal proxy has no approaches: its column is '-'.
 * @example rows.push(...buildFanOutRows(summarizeFanOut(samples)))
 */
export function buildFanOutRows(summaries: readonly FanOutSummary[]): ReportRow[] {
  return summaries.map((summary) => ({
    metric: `${summary.approach} fan-out, ${summary.branches} ${summary.stage}: wall / slowest branch (ms)`,
    minimal: '-',
    optiproxy: `${summary.medianWallMs.toFixed(1)} / ${summary.medianSlowestBranchMs.toFixed(1)}`,
    ratio: Number.isFinite(summary.medianRatio) ? `${summary.medianRatio.toFixed(Number(summary.medianRatio.toFixed(2)) === fanOutRatioLimit ? 3 : 2)}x` : '-',
    target: `<= ${fanOutRatioLimit}x`,
    verdict: summary.medianRatio <= fanOutRatioLimit ? 'pass' : 'FAIL',
  }))
}

/**
 * The fan-out phase in detail: per approach and stage, the medians, the worst request's ratio, how far apart the
 * branches arrived, and the whole request's wall time (non-streamed and streamed).
 * @example console.log(formatFanOutTable(summaries))
 */
export function formatFanOutTable(summaries: readonly FanOutSummary[]): string {
  const header = ['approach', 'stage', 'branches', 'requests', 'wall ms', 'slowest ms', 'ratio', 'worst', 'arrival spread ms', 'request ms (json / stream)']
  const lines = summaries.map((summary) => [
    summary.approach,
    summary.stage,
    String(summary.branches),
    String(summary.samples),
    summary.medianWallMs.toFixed(1),
    summary.medianSlowestBranchMs.toFixed(1),
    `${summary.medianRatio.toFixed(3)}x`,
    `${summary.maxRatio.toFixed(3)}x`,
    summary.medianArrivalSpreadMs.toFixed(2),
    `${summary.medianRequestMsJson.toFixed(1)} / ${summary.medianRequestMsStream.toFixed(1)}`,
  ])
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => (line[index] as string).length)))
  const formatLine = (line: string[]): string =>
    line.map((cell, index) => (index < 2 ? cell.padEnd(widths[index] as number) : cell.padStart(widths[index] as number))).join(' | ')
  return [formatLine(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...lines.map(formatLine)].join('\n')
}

/**
 * The rows as an aligned text table with a header line.
 * @example console.log(formatReportTable(rows))
 */
export function formatReportTable(rows: ReportRow[]): string {
  const columns = ['metric', 'minimal', 'optiproxy', 'ratio', 'target', 'verdict'] as const
  const header: Record<(typeof columns)[number], string> = {
    metric: 'metric',
    minimal: 'minimal',
    optiproxy: 'optiproxy',
    ratio: 'ratio',
    target: 'target',
    verdict: 'pass/fail',
  }
  const lines: Array<Record<(typeof columns)[number], string>> = [header, ...rows]
  const widths = columns.map((column) => Math.max(...lines.map((line) => line[column].length)))
  const formatLine = (line: Record<(typeof columns)[number], string>): string =>
    columns.map((column, index) => (index === 0 ? line[column].padEnd(widths[index] as number) : line[column].padStart(widths[index] as number))).join(' | ')
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-')
  return [formatLine(header), rule, ...rows.map(formatLine)].join('\n')
}

/**
 * Writes the results as pretty JSON, creating the folder when needed.
 * @example writeResultsJson('/repo/.bench/results.json', { rows, metrics })
 */
export function writeResultsJson(path: string, results: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
}
