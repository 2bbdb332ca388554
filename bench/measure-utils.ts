import { performance } from 'node:perf_hooks'

/**
 * Wall-clock time in epoch milliseconds with sub-millisecond precision. Every process on the machine derives it
 * from the same system clock, so timestamps taken in the bench and in the mock upstream can be subtracted.
 * @example const abortedAt = readEpochMs()
 */
export function readEpochMs(): number {
  return performance.timeOrigin + performance.now()
}

/**
 * The p-th percentile (0..100) of the values, nearest-rank on a sorted copy; NaN for no values.
 * @example computePercentile([3, 1, 2], 50) // 2
 */
export function computePercentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/**
 * The median of the values (the mean of the two middle ones for an even count); NaN for no values.
 * @example computeMedian([4, 1, 3, 2]) // 2.5
 */
export function computeMedian(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Resolves after the given number of milliseconds.
 * @example await waitMs(500)
 */
export function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Runs the garbage collector of this process when it was started with --expose-gc, so garbage left by one
 * measurement is not collected in the middle of the next one.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
}
