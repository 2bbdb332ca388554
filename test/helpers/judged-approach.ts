import { z } from 'zod'
import type { Approach } from '../../src/core/approach.js'

/** A test approach that names its steps and records facts: two candidates in parallel, a rating each, a vote, a winner. */
export const judgedApproach: Approach<Record<string, never>> = {
  id: 'judged',
  description: 'test approach',
  optionsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  async *run(context) {
    const candidates = await Promise.all([0, 1].map((index) => context.generate(context.request, { name: 'candidate', index })))
    for (const [index] of candidates.entries()) {
      await context.generate(context.request, { name: 'rating', index })
      context.record({ kind: 'rating', candidate: index, score: index === 1 ? 9 : 4 })
    }
    context.record({
      kind: 'vote',
      tally: [
        ['4', 2],
        ['5', 1],
      ],
      winner: '4',
    })
    context.record({ kind: 'winner', candidate: 1, reason: 'highest rating' })
    context.record({ kind: 'note', text: 'two candidates' })
    yield { type: 'text-delta', choice: 0, delta: candidates[1]?.choices[0]?.text ?? '' }
    yield { type: 'finish', choice: 0, finishReason: 'stop' }
  },
}
