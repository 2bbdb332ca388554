import type { ModelRequest } from '../../../src/core/request.js'
import type { ApproachContext } from '../../../src/core/approach.js'
import { settleAll } from '../requests.js'
import { askForScore } from './rate.js'

export interface Verification {
  /** Every read score, in order (missing ones left out). */
  readonly scores: number[]
  /** The lowest read score; undefined when none was readable. */
  readonly score: number | undefined
  /** True when at least one score was read and every read score reaches the pass threshold. */
  readonly passed: boolean
  /** The verifiers' replies, joined. */
  readonly feedback: string
}

/** The re-ask after an unreadable verification score. */
export const verificationReaskPrompt = 'Your reply had no readable score. Reply with only the line "Score: N", where N is a whole number from 0 to 10.'

/**
 * Verifies a candidate `times` times concurrently (each call labelled `{ name: 'verification', index }`, an unreadable
 * score re-asked once); it passes when every read score is at least `passScore` (a missing score is no evidence
 * either way; with none read it does not pass).
 * @example const check = await verifyCandidate(context, candidate.index, () => request, { times: 2, passScore: 7 })
 */
export async function verifyCandidate(
  context: ApproachContext<unknown>,
  index: number,
  createRequest: () => ModelRequest,
  settings: { times: number; passScore: number },
): Promise<Verification> {
  const replies = await settleAll(
    Array.from({ length: settings.times }, () => askForScore(context, createRequest(), { name: 'verification', index }, verificationReaskPrompt)),
  )
  const scores = replies.map((reply) => reply.score).filter((score): score is number => score !== undefined)
  for (const reply of replies) context.record({ kind: 'rating', candidate: index, score: reply.score })
  const score = scores.length === 0 ? undefined : Math.min(...scores)
  return {
    scores,
    score,
    passed: scores.length > 0 && scores.every((value) => value >= settings.passScore),
    feedback: replies.map((reply) => reply.reply).join('\n---\n'),
  }
}
