import type { ModelRequest } from '../../../src/core/request.js'
import type { ApproachContext } from '../../../src/core/approach.js'
import { readText, settleAll } from '../requests.js'

export interface Candidate {
  /** Drafting order, from 0 (the tie-break: the earlier candidate wins). */
  readonly index: number
  readonly text: string
}

/**
 * Drafts `count` candidates concurrently, each call labelled `{ name: 'candidate', index }` (or `step`); the first to
 * arrive is offered as the best answer so far. Returns the candidates that arrived, in drafting order.
 * @example const candidates = await draftCandidates(context, 3, () => createStepRequest(context.request, context.request.messages, { temperature: 1 }))
 */
export async function draftCandidates(
  context: ApproachContext<unknown>,
  count: number,
  createRequest: (index: number) => ModelRequest,
  step = 'candidate',
): Promise<Candidate[]> {
  let offered = false
  return settleAll(
    Array.from({ length: count }, async (_, index) => {
      const text = readText(await context.generate(createRequest(index), { name: step, index }))
      context.trace(`[${step} ${index + 1}]\n${text}\n`)
      if (!offered) context.offerBest(text)
      offered = true
      return { index, text }
    }),
  )
}
