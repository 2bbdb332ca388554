export { computeWilsonInterval } from '../../src/eval/statistics.js'

/**
 * Mean and 95% interval of a paired difference (each entry -1, 0 or 1: one approach right where the other was not).
 * @example computePairedLift([1, 0, 0, -1, 1]) // { lift: 0.2, low: ..., high: ... }
 */
export function computePairedLift(differences: readonly number[], z = 1.96): { lift: number; low: number; high: number } {
  const n = differences.length
  if (n === 0) return { lift: 0, low: 0, high: 0 }
  const mean = differences.reduce((sum, value) => sum + value, 0) / n
  const variance = differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, n - 1)
  const half = z * Math.sqrt(variance / n)
  return { lift: mean, low: mean - half, high: mean + half }
}

/**
 * Probability that a plurality vote over k samples picks the right answer, when each sample is right with
 * probability p and otherwise wrong answer i with probability (1 - p) × shares[i]; a tie goes to the answer that
 * appeared first (the rule of voteOnAnswers). Exact, by enumerating every ordered outcome.
 * @example predictPluralityVote(5, 0.6, [1]) // 0.68256
 */
export function predictPluralityVote(k: number, p: number, shares: readonly number[]): number {
  const chances = [p, ...shares.map((share) => (1 - p) * share)]
  const categories = chances.length
  const counts = new Array<number>(categories).fill(0)
  const firstSeen = new Array<number>(categories).fill(Infinity)
  let probability = 0
  const walk = (position: number, chance: number): void => {
    if (chance === 0) return
    if (position === k) {
      let winner = -1
      for (let category = 0; category < categories; category++) {
        const count = counts[category] as number
        if (count === 0) continue
        if (winner < 0 || count > (counts[winner] as number) || (count === counts[winner] && (firstSeen[category] as number) < (firstSeen[winner] as number)))
          winner = category
      }
      if (winner === 0) probability += chance
      return
    }
    for (let category = 0; category < categories; category++) {
      const first = firstSeen[category] as number
      counts[category] = (counts[category] as number) + 1
      if (first === Infinity) firstSeen[category] = position
      walk(position + 1, chance * (chances[category] as number))
      counts[category] = (counts[category] as number) - 1
      firstSeen[category] = first
    }
  }
  walk(0, 1)
  return probability
}

/**
 * Probability that best-of-n by ratings returns a right candidate: each candidate is right with probability p; its
 * rating is missing with probability `missing`, else right with probability q (high for a right candidate, low for a
 * wrong one, and the reverse when wrong). The winner is a high-rated candidate if any, else a low-rated one, else the
 * first; within a class the choice (by the exact score, a length bonus and the index) does not depend on being right,
 * so it is right in proportion. Exact, by enumerating every outcome.
 * @example predictBestOfRatings(3, 0.6, 0.8, 0) // 0.7958...
 */
export function predictBestOfRatings(n: number, p: number, q: number, missing: number): number {
  let probability = 0
  const states: Array<{ right: boolean; rating: 'high' | 'low' | 'missing'; chance: number }> = []
  for (const right of [true, false]) {
    const base = right ? p : 1 - p
    states.push({ right, rating: 'missing', chance: base * missing })
    states.push({ right, rating: 'high', chance: base * (1 - missing) * (right ? q : 1 - q) })
    states.push({ right, rating: 'low', chance: base * (1 - missing) * (right ? 1 - q : q) })
  }
  const chosen: Array<(typeof states)[number]> = []
  const walk = (candidate: number, chance: number): void => {
    if (chance === 0) return
    if (candidate === n) {
      const high = chosen.filter((state) => state.rating === 'high')
      const low = chosen.filter((state) => state.rating === 'low')
      const pool = high.length > 0 ? high : low.length > 0 ? low : [chosen[0] as (typeof states)[number]]
      probability += (chance * pool.filter((state) => state.right).length) / pool.length
      return
    }
    for (const state of states) {
      chosen.push(state)
      walk(candidate + 1, chance * state.chance)
      chosen.pop()
    }
  }
  walk(0, 1)
  return probability
}
