import { z } from 'zod'
import { renderTaskConversation } from '../../src/core/task.js'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { type Candidate, compareInBothOrders, draftCandidates, rateAndSelect } from '../shared/judging.js'
import { createStepRequest, createUserMessage } from '../shared/requests.js'
import type { ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Candidates drafted. */
    n: z.int().min(1).max(32).default(3),
    /** Sampling temperature of the candidates. */
    temperature: z.number().min(0).max(2).default(1),
    /** How the best is found: a 0-10 rating of each candidate, or pairwise comparisons (each in both orders). */
    judge: z.enum(['rating', 'pairwise']).default('rating'),
  })
  .strict()

const comparisonPrompt = (a: string, b: string): string =>
  `Two responses to the request above follow.\n\n[Response A]\n${a}\n[End of Response A]\n\n[Response B]\n${b}\n[End of Response B]\n\n` +
  'As an impartial judge, decide which response answers the request better: correctness first, then completeness and ' +
  'clarity. Ignore length and order. Explain briefly, then end with "Verdict: A", "Verdict: B" or "Verdict: tie".'

/** Pairwise: the incumbent meets each next candidate; a challenger wins only when both orders prefer it. */
async function selectByComparison(context: ApproachContext<unknown>, candidates: readonly Candidate[]): Promise<Candidate> {
  let best = candidates[0] as Candidate
  for (const challenger of candidates.slice(1)) {
    const winner = await compareInBothOrders(context, best, challenger, (a, b) =>
      createStepRequest(context.request, [...renderTaskConversation(context.task), createUserMessage(comparisonPrompt(a, b))], { temperature: 0 }),
    )
    if (winner !== undefined) best = winner
    context.offerBest(best.text)
  }
  context.record({ kind: 'winner', candidate: best.index, reason: 'pairwise comparisons in both orders' })
  return best
}

/**
 * `bon`, best of n: n candidates drafted concurrently, then the best by the judging toolkit: each rated 0-10 in its
 * own call (concurrently; an unreadable rating re-asked once; ties to the earliest), or with `judge: 'pairwise'` a
 * king-of-the-hill of comparisons each asked in both orders. Calls: 2n (rating), n + 2(n-1) (pairwise), plus re-asks.
 */
export const bonApproach = defineApproach({
  id: 'bon',
  description: 'Best of n: draft n candidates, judge them (ratings or pairwise comparisons), return the best.',
  optionsSchema,
  async *run(context) {
    const { request, options } = context
    const candidates = await draftCandidates(context, options.n, () => createStepRequest(request, request.messages, { temperature: options.temperature }))
    const best = options.judge === 'pairwise' ? await selectByComparison(context, candidates) : await rateAndSelect(context, candidates)
    yield* emitAnswer(best.text)
  },
})
