/** Binomial coefficient C(n, k). */
function computeBinomialCoefficient(n: number, k: number): number {
  let result = 1
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i
  return result
}

/**
 * Probability that a majority vote over k samples, each right with probability p and otherwise the same wrong
 * answer, picks the right one; a tie (k even) goes to the first sample's answer, which is right half the time.
 * @example predictMajorityVote(5, 0.6) // 0.68256
 */
export function predictMajorityVote(k: number, p: number): number {
  let probability = 0
  for (let right = 0; right <= k; right++) {
    const chance = computeBinomialCoefficient(k, right) * p ** right * (1 - p) ** (k - right)
    if (right * 2 > k) probability += chance
    else if (right * 2 === k) probability += chance / 2
  }
  return probability
}

/**
 * Wilson score interval for a proportion (95% with z = 1.96).
 * @example computeWilsonInterval(120, 200) // [0.531, 0.665]
 */
export function computeWilsonInterval(successes: number, trials: number, z = 1.96): [number, number] {
  if (trials === 0) return [0, 1]
  const phat = successes / trials
  const denominator = 1 + (z * z) / trials
  const centre = (phat + (z * z) / (2 * trials)) / denominator
  const half = (z * Math.sqrt((phat * (1 - phat)) / trials + (z * z) / (4 * trials * trials))) / denominator
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}
