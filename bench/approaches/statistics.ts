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

/**
 * Probability that best-of-n picks a right candidate when each candidate is right with probability p and each
 * rating is right with probability q (a right rating is high for a right answer and low for a wrong one); the first
 * of the highest-rated candidates wins. Exact, by enumerating every outcome.
 * @example predictBestOfN(3, 0.6, 0.8) // 0.7958...
 */
export function predictBestOfN(n: number, p: number, q: number): number {
  let probability = 0
  for (let outcome = 0; outcome < 4 ** n; outcome++) {
    let chance = 1
    let winner: { right: boolean; high: boolean } | undefined
    for (let candidate = 0; candidate < n; candidate++) {
      const right = ((outcome >> (2 * candidate)) & 1) === 1
      const raterRight = ((outcome >> (2 * candidate + 1)) & 1) === 1
      chance *= (right ? p : 1 - p) * (raterRight ? q : 1 - q)
      const high = right === raterRight
      if (winner === undefined || (high && !winner.high)) winner = { right, high }
    }
    if (winner?.right === true) probability += chance
  }
  return probability
}
