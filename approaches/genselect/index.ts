import { z } from 'zod'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { type Candidate, compareInBothOrders, draftCandidates } from '../shared/judging.js'
import { createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import { renderConversation } from '../shared/task-prompts.js'
import type { ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Candidates drafted. */
    n: z.int().min(2).max(8).default(4),
    /** Sampling temperature of the candidates. */
    temperature: z.number().min(0).max(2).default(0.7),
  })
  .strict()

const selectionPrompt = (candidates: readonly Candidate[], order: readonly number[]): string =>
  `Several candidate responses to the request above follow, numbered.\n\n${order
    .map((index, position) => `[Candidate ${position + 1}]\n${(candidates[index] as Candidate).text}\n[End of candidate ${position + 1}]`)
    .join('\n\n')}\n\n` +
  "Compare them carefully: check each one's reasoning and result for errors, note where they disagree and which is " +
  'right, and prefer correctness over style or length. Then end with the line "Best: N", N the number of the best candidate.'

const comparisonPrompt = (a: string, b: string): string =>
  `Two responses to the request above follow.\n\n[Response A]\n${a}\n[End of Response A]\n\n[Response B]\n${b}\n[End of Response B]\n\n` +
  'Decide which response answers the request better: correctness first, then completeness. Ignore length and order. ' +
  'Explain briefly, then end with "Verdict: A", "Verdict: B" or "Verdict: tie".'

/** The number after the last "Best:" of a selection, as a candidate position from 0; undefined when unreadable. */
function readSelection(reply: string, count: number): number | undefined {
  const found = [...reply.slice(-2_000).matchAll(/best\W{0,3}(?:candidate\W{0,3})?(\d{1,2})/gi)].at(-1)?.[1]
  const position = found === undefined ? Number.NaN : Number(found) - 1
  return Number.isInteger(position) && position >= 0 && position < count ? position : undefined
}

/** One generative selection over every candidate, asked in drafting order and in reverse (position bias cancels). */
async function selectInBothOrders(context: ApproachContext<unknown>, candidates: readonly Candidate[]): Promise<Candidate[]> {
  const forward = candidates.map((_, index) => index)
  const orders = [forward, [...forward].reverse()]
  const replies = await settleAll(
    orders.map(async (order, index) => {
      const request = createStepRequest(context.request, [...renderConversation(context.task), createUserMessage(selectionPrompt(candidates, order))], {
        temperature: 0,
      })
      return { order, reply: readText(await context.generate(request, { name: 'selection', index })) }
    }),
  )
  return replies.flatMap(({ order, reply }) => {
    const position = readSelection(reply, order.length)
    return position === undefined ? [] : [candidates[order[position] as number] as Candidate]
  })
}

/**
 * `genselect`, generative selection: n candidates drafted concurrently, then the model reads all of them in one
 * prompt, reasons about where they differ and names the best. The selection is asked twice, candidates in drafting
 * order and reversed; when both name the same candidate it wins, when they disagree the two picks meet in one
 * comparison asked in both orders (the judging toolkit), and a tie goes to the earlier candidate.
 * Calls: n + 2, plus 2 when the selections disagree.
 */
export const genSelectApproach = defineApproach({
  id: 'genselect',
  description: 'Generative selection: draft candidates, let the model compare them all and select the best (asked in both orders).',
  optionsSchema,
  async *run(context) {
    const { options } = context
    const candidates = await draftCandidates(context, options.n, () =>
      createStepRequest(context.request, renderConversation(context.task), { temperature: options.temperature }),
    )
    if (candidates.length === 1) {
      yield* emitAnswer((candidates[0] as Candidate).text)
      return
    }
    const picks = await selectInBothOrders(context, candidates)
    const [first, second] = picks
    let best: Candidate
    if (first !== undefined && second !== undefined && first !== second) {
      const [earlier, later] = first.index < second.index ? [first, second] : [second, first]
      const winner = await compareInBothOrders(context, earlier, later, (a, b) =>
        createStepRequest(context.request, [...renderConversation(context.task), createUserMessage(comparisonPrompt(a, b))], { temperature: 0 }),
      )
      best = winner ?? earlier
    } else {
      best = first ?? second ?? (candidates[0] as Candidate)
    }
    context.trace(`[genselect] selections: ${picks.map((pick) => pick.index + 1).join(', ') || 'none readable'}; chosen: candidate ${best.index + 1}\n`)
    context.record({ kind: 'winner', candidate: best.index, reason: 'generative selection in both orders' })
    yield* emitAnswer(best.text)
  },
})
