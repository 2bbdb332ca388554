/**
 * Final answers of model replies: extraction, normalisation, comparison by meaning, grading and voting. One module
 * for every approach, the benchmark and the eval command. Numbers are exact rationals (fraction.js).
 */
import { answersEquivalent } from './answers/compare-answers.js'
import { extractFinalAnswer } from './answers/extract-final-answer.js'

export { answersEquivalent, gradeAnswer } from './answers/compare-answers.js'
export { extractFinalAnswer } from './answers/extract-final-answer.js'
export { normaliseAnswer, readNumericAnswer } from './answers/normalise-answer.js'

export interface VoteOutcome {
  /** The winning normalised answer; undefined when no sample had one. */
  answer: string | undefined
  /** Index of the first sample that gave the winning answer (the one returned to the client). */
  sampleIndex: number
  /** Votes per answer (the first spelling seen of each), most first. */
  tally: Array<[string, number]>
}

/** Most distinct answers a vote keeps apart; later new answers still count in the total but cannot win. */
const maxDistinctAnswers = 256

/**
 * Plurality vote over samples' final answers, grouping answers that mean the same (`0.5`, `1/2`, `50%` apart from
 * percent: see answersEquivalent). Ties go to the answer that appeared first; samples without an answer do not
 * vote. With no answer at all, sample 0 is returned.
 * @example voteOnAnswers(['... 4', '... 5', 'The answer is 4.0']) // { answer: '4', sampleIndex: 0, tally: [['4', 2], ['5', 1]] }
 */
export function voteOnAnswers(samples: readonly string[]): VoteOutcome {
  const groups: Array<{ answer: string; votes: number; first: number }> = []
  samples.forEach((sample, index) => {
    const answer = extractFinalAnswer(sample)
    if (answer === undefined) return
    const group = groups.find((entry) => entry.answer === answer) ?? groups.find((entry) => answersEquivalent(entry.answer, answer))
    if (group !== undefined) group.votes++
    else if (groups.length < maxDistinctAnswers) groups.push({ answer, votes: 1, first: index })
  })
  const ranked = groups.slice().sort((a, b) => b.votes - a.votes || a.first - b.first)
  const winner = ranked[0]
  return { answer: winner?.answer, sampleIndex: winner?.first ?? 0, tally: ranked.map((entry) => [entry.answer, entry.votes]) }
}
