/**
 * The 95% Wilson score interval of a proportion (good at small counts and near 0 or 1, unlike the normal one).
 * @example computeWilsonInterval(42, 60) // [0.574, 0.801] (rounded)
 */
export function computeWilsonInterval(successes: number, trials: number, z = 1.959963984540054): [number, number] {
  if (trials === 0) return [0, 1]
  const p = successes / trials
  const z2 = z * z
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials)
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

/**
 * McNemar's exact test on paired outcomes: `onlyFirst` items only the first system got right, `onlySecond` only the
 * second. Two-sided p-value of the binomial test of the discordant pairs against 1/2 (1 with no discordant pair).
 * @example computeMcNemarExactP(2, 10) // 0.0386 (rounded)
 */
export function computeMcNemarExactP(onlyFirst: number, onlySecond: number): number {
  const n = onlyFirst + onlySecond
  if (n === 0) return 1
  const k = Math.min(onlyFirst, onlySecond)
  // sum of C(n, i) / 2^n for i <= k, in log space so large n does not overflow
  let logTerm = -n * Math.LN2
  let tail = Math.exp(logTerm)
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i)
    tail += Math.exp(logTerm)
  }
  return Math.min(1, 2 * tail)
}

/**
 * A percentile by linear interpolation between closest ranks (undefined for no values).
 * @example computePercentile([10, 20, 30, 40], 50) // 25
 */
export function computePercentile(values: number[], percent: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (percent / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low)
}

/**
 * Indexes of the points on the Pareto front of (cost, accuracy): no other point is at most as costly and at least
 * as accurate with one of the two strictly better.
 * @example findParetoFront([{ cost: 1, accuracy: 0.5 }, { cost: 2, accuracy: 0.4 }]) // [0]
 */
export function findParetoFront(points: Array<{ cost: number; accuracy: number }>): number[] {
  return points.flatMap((point, index) =>
    points.some((other) => other.cost <= point.cost && other.accuracy >= point.accuracy && (other.cost < point.cost || other.accuracy > point.accuracy))
      ? []
      : [index],
  )
}
