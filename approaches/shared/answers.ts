/**
 * Extracts the final answer of a worked solution and normalises it for voting: the last `\boxed{...}`, else the
 * text after the last "answer is"/"Answer:", else the last number. Numbers lose thousands separators, currency
 * signs and trailing zeros; text is lower-cased with its whitespace and final punctuation removed.
 * @example extractFinalAnswer('... so the answer is $1,200.50.') // '1200.5'
 */
export function extractFinalAnswer(text: string): string | undefined {
  const boxed = [...text.matchAll(/\\boxed\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g)].at(-1)?.[1]
  if (boxed !== undefined) return normaliseAnswer(boxed)
  const stated = [...text.matchAll(/(?:answer is|answer:)\s*([^\n]+)/gi)].at(-1)?.[1]
  if (stated !== undefined) return normaliseAnswer(stated)
  const number = [...text.matchAll(/-?\$?\d[\d,]*(?:\.\d+)?/g)].at(-1)?.[0]
  return number === undefined ? undefined : normaliseAnswer(number)
}

function normaliseAnswer(raw: string): string {
  const trimmed = raw.trim().replace(/^[*\s]+|[*\s.!]+$/g, '')
  const numeric = /^(-?)\$?\s*(\d[\d,]*(?:\.\d+)?)\s*(?:[a-z%]+)?$/i.exec(trimmed)
  if (numeric !== null) return String(Number(`${numeric[1]}${(numeric[2] as string).replace(/,/g, '')}`))
  return trimmed.toLowerCase().replace(/\s+/g, ' ')
}

export interface VoteOutcome {
  /** The winning normalised answer; undefined when no sample had one. */
  answer: string | undefined
  /** Index of the first sample that gave the winning answer (the one returned to the client). */
  sampleIndex: number
  /** Votes per answer, most first. */
  tally: Array<[string, number]>
}

/**
 * Majority vote over samples' extracted answers. Ties go to the answer that appeared first; samples without
 * an answer do not vote. With no answer at all, sample 0 is returned.
 * @example voteOnAnswers(['... 4', '... 5', '... 4']) // { answer: '4', sampleIndex: 0, tally: [['4', 2], ['5', 1]] }
 */
export function voteOnAnswers(samples: string[]): VoteOutcome {
  const counts = new Map<string, { votes: number; first: number }>()
  samples.forEach((sample, index) => {
    const answer = extractFinalAnswer(sample)
    if (answer === undefined) return
    const entry = counts.get(answer)
    if (entry === undefined) counts.set(answer, { votes: 1, first: index })
    else entry.votes++
  })
  const ranked = [...counts.entries()].sort((a, b) => b[1].votes - a[1].votes || a[1].first - b[1].first)
  const winner = ranked[0]
  return {
    answer: winner?.[0],
    sampleIndex: winner?.[1].first ?? 0,
    tally: ranked.map(([answer, entry]) => [answer, entry.votes]),
  }
}

/**
 * Reads a 0-10 rating from a rater's reply ("Rating: 7", "7/10", "Score: 8.5"); undefined when there is none.
 * @example readRating('The answer is sound. Rating: 8') // 8
 */
export function readRating(text: string): number | undefined {
  const match = /(?:rating|score)\s*[:=]?\s*(\d+(?:\.\d+)?)/i.exec(text) ?? /(\d+(?:\.\d+)?)\s*\/\s*10/.exec(text) ?? /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text)
  if (match === null) return undefined
  const value = Number(match[1])
  return value >= 0 && value <= 10 ? value : undefined
}
