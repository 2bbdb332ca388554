import type { Message } from '../../../src/core/message.js'
import type { ModelRequest } from '../../../src/core/request.js'
import { renderTaskConversation } from '../../../src/core/task.js'
import type { ApproachContext } from '../../../src/core/approach.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText, settleAll } from '../requests.js'
import type { Candidate } from './candidates.js'
import { readScore } from './read-score.js'
import { type Scored, selectBest } from './select.js'

/** What a rater is asked after the candidate reply. */
export const ratingPrompt =
  'Act now as a strict, impartial grader of the reply you just gave: is it correct, complete and useful for the request? ' +
  'Briefly say why, then end with a line of the form "Rating: N", where N is a whole number from 0 (wrong or useless) to 10 (flawless).'
/** The one re-ask after an unreadable rating. */
export const ratingReaskPrompt = 'Your reply had no readable rating. Reply with only the line "Rating: N", where N is a whole number from 0 to 10.'

/**
 * The default rating request: the task's conversation, the candidate as the assistant's reply, the rating prompt.
 * @example rateCandidate(context, candidate, createRatingRequest(context, candidate.text))
 */
export function createRatingRequest(context: ApproachContext<unknown>, text: string, prompt = ratingPrompt): ModelRequest {
  const messages: Message[] = [...renderTaskConversation(context.task), createAssistantMessage(text), createUserMessage(prompt)]
  return createStepRequest(context.request, messages, { temperature: 0 })
}

/**
 * Asks a judge for a score (`step` names the call: rating or verification), reads it in any common form, and re-asks
 * once (the judge's reply in view) when it is unreadable; a second unreadable reply is a missing score (undefined),
 * never 0 or 10. Returns the score and the judge's reply.
 * @example const { score } = await askForScore(context, request, { name: 'rating', index: 2 })
 */
export async function askForScore(
  context: ApproachContext<unknown>,
  request: ModelRequest,
  step: { name: string; index?: number },
  reask = ratingReaskPrompt,
): Promise<{ score: number | undefined; reply: string }> {
  const reply = readText(await context.generate(request, step))
  const score = readScore(reply)
  if (score !== undefined) return { score, reply }
  const retry = readText(await context.generate({ ...request, messages: [...request.messages, createAssistantMessage(reply), createUserMessage(reask)] }, step))
  return { score: readScore(retry), reply: `${reply}\n${retry}` }
}

/**
 * Rates one candidate (labelled `{ name: 'rating', index }`), records the rating, and returns it.
 * @example const score = await rateCandidate(context, candidate, createRatingRequest(context, candidate.text))
 */
export async function rateCandidate(context: ApproachContext<unknown>, candidate: Candidate, request: ModelRequest): Promise<number | undefined> {
  const { score } = await askForScore(context, request, { name: 'rating', index: candidate.index })
  context.record({ kind: 'rating', candidate: candidate.index, score })
  context.trace(`[rating of candidate ${candidate.index + 1}] ${score ?? 'missing'}\n`)
  return score
}

/**
 * Rates every candidate concurrently (each with `createRequest`, by default the task's conversation and the rating
 * prompt), picks the best by the tie rules, records and offers the winner as the best so far.
 * @example const best = await rateAndSelect(context, candidates)
 */
export async function rateAndSelect(
  context: ApproachContext<unknown>,
  candidates: readonly Candidate[],
  createRequest: (candidate: Candidate) => ModelRequest = (candidate) => createRatingRequest(context, candidate.text),
): Promise<Candidate & Scored> {
  let leader: (Candidate & Scored) | undefined
  const rated = await settleAll(
    candidates.map(async (candidate) => {
      const entry = { ...candidate, score: await rateCandidate(context, candidate, createRequest(candidate)) }
      leader = selectBest(leader === undefined ? [entry] : [leader, entry])
      if (leader !== undefined) context.offerBest(leader.text)
      return entry
    }),
  )
  const best = selectBest(rated) ?? { ...(candidates[0] as Candidate), score: undefined }
  context.record({
    kind: 'winner',
    candidate: best.index,
    reason: best.score === undefined ? 'no rating was readable: the first candidate' : `highest rating ${best.score}`,
  })
  return best
}
