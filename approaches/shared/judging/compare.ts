import type { ModelRequest } from '../../../src/core/request.js'
import type { ApproachContext } from '../../../src/core/approach.js'
import { readText, settleAll } from '../requests.js'
import type { Candidate } from './candidates.js'
import { readVerdict } from './read-score.js'

/**
 * Compares two candidates in both orders (concurrently, each labelled `{ name: 'comparison', index }`), so a judge's
 * preference for a position cancels out: a winner only when both orders name the same candidate, else a tie
 * (undefined). `createRequest(a, b)` asks which of Response A (`a`) and Response B (`b`) is better.
 * @example const winner = await compareInBothOrders(context, first, second, createComparisonRequest)
 */
export async function compareInBothOrders(
  context: ApproachContext<unknown>,
  first: Candidate,
  second: Candidate,
  createRequest: (a: string, b: string) => ModelRequest,
): Promise<Candidate | undefined> {
  const [forward, backward] = await settleAll([
    context.generate(createRequest(first.text, second.text), { name: 'comparison', index: first.index }),
    context.generate(createRequest(second.text, first.text), { name: 'comparison', index: second.index }),
  ])
  const pick = (verdict: ReturnType<typeof readVerdict>, a: Candidate, b: Candidate): Candidate | undefined =>
    verdict === 'A' ? a : verdict === 'B' ? b : undefined
  const one = forward === undefined ? undefined : pick(readVerdict(readText(forward)), first, second)
  const two = backward === undefined ? undefined : pick(readVerdict(readText(backward)), second, first)
  const winner = one !== undefined && one === two ? one : undefined
  context.record({ kind: 'comparison', first: first.index, second: second.index, winner: winner?.index })
  context.trace(`[comparison of ${first.index + 1} and ${second.index + 1}] ${winner === undefined ? 'tie' : `candidate ${winner.index + 1}`}\n`)
  return winner
}
