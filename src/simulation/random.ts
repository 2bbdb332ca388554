import jstat from 'jstat'

/**
 * A seeded pseudo-random source in [0, 1) (mulberry32).
 * @example const random = createRandom(7); random() // 0.…
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A draw from the Beta distribution with the given mean and concentration (alpha + beta), by inverting its CDF at a
 * seeded uniform draw (jStat's Beta quantile). An infinite concentration gives the mean itself.
 * @example drawBeta(createRandom(1), 0.6, 4) // e.g. 0.71
 */
export function drawBeta(random: () => number, mean: number, concentration: number): number {
  const uniform = random()
  if (!Number.isFinite(concentration) || mean <= 0 || mean >= 1) return mean
  const value = jstat.jStat.beta.inv(Math.min(1 - 1e-12, Math.max(1e-12, uniform)), mean * concentration, (1 - mean) * concentration)
  return Math.min(1, Math.max(0, value))
}

/**
 * An index drawn with the given weights (they need not sum to 1).
 * @example pickWeighted(random, [0.6, 0.3, 0.1]) // 0 most often
 */
export function pickWeighted(random: () => number, weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  let left = random() * total
  for (let index = 0; index < weights.length; index++) {
    left -= weights[index] as number
    if (left < 0) return index
  }
  return weights.length - 1
}
