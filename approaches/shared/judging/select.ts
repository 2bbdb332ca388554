/**
 * Selection, with the tie rules every judging approach follows (stated once, here):
 * - the highest read score wins; between equal scores the earliest candidate (lowest index) wins;
 * - a missing score (unreadable twice) ranks below every read score and is never counted as 0 or 10; when no score
 *   was read at all, the first candidate wins;
 * - a pairwise comparison picks a winner only when both orders agree; disagreeing orders, unread verdicts and `tie`
 *   are a tie, and a tie keeps the incumbent (the earlier candidate);
 * - UCT takes an unvisited child first (the earliest), then the highest UCT value, ties to the earliest child.
 */

export interface Scored {
  /** The candidate's position (drafting order), from 0. */
  readonly index: number
  readonly score: number | undefined
}

/**
 * The best-scored entry by the tie rules above; undefined only for an empty list.
 * @example selectBest([{ index: 0, score: 6 }, { index: 1, score: 9 }, { index: 2, score: 9 }]) // index 1
 */
export function selectBest<T extends Scored>(entries: readonly T[]): T | undefined {
  let best: T | undefined
  for (const entry of entries) {
    if (best === undefined) {
      best = entry
      continue
    }
    const better =
      entry.score !== undefined && (best.score === undefined || entry.score > best.score || (entry.score === best.score && entry.index < best.index))
    const earlierUnscored = entry.score === undefined && best.score === undefined && entry.index < best.index
    if (better || earlierUnscored) best = entry
  }
  return best
}

export interface UctNode {
  readonly visits: number
  /** Sum of the values backed up through the node, each in [0, 1]. */
  readonly value: number
}

/**
 * UCT: the mean value plus `c` times the exploration bonus; Infinity for an unvisited node.
 * @example computeUct({ visits: 2, value: 1.2 }, 5, 1.4) // 0.6 + 1.4 * sqrt(ln 5 / 2)
 */
export function computeUct(node: UctNode, parentVisits: number, c: number): number {
  if (node.visits === 0) return Infinity
  return node.value / node.visits + c * Math.sqrt(Math.log(Math.max(1, parentVisits)) / node.visits)
}

/**
 * The child UCT selects (tie rules above); undefined for no children.
 * @example selectByUct(node.children, node.visits, 1.4)
 */
export function selectByUct<T extends UctNode>(children: readonly T[], parentVisits: number, c: number): T | undefined {
  let best: T | undefined
  let bestValue = -Infinity
  for (const child of children) {
    const value = computeUct(child, parentVisits, c)
    if (best === undefined || value > bestValue) {
      best = child
      bestValue = value
    }
  }
  return best
}
