/**
 * The simulated model as a judge: ratings whose signal has a known accuracy (a right judgement rates a right answer
 * high and a wrong one low), a length bias (a long reply gets a point more), ratings written in every common form and
 * sometimes unreadable; pairwise verdicts with a position bias (the first response named regardless) and a length
 * bias between equally right responses.
 */

export interface JudgeSettings {
  /** Probability that a judgement is right. */
  accuracy: number
  /** Probability that a pairwise verdict names Response A whatever the responses are. */
  positionBias: number
  /** Probability that a long reply gets one point more, and that the longer of two equally right responses wins. */
  lengthBias: number
  /** Probability that a rating reply has no readable score. */
  unreadable: number
}

/** Replies longer than this count as long for the length bias. */
const longReply = 300

const reasons = [
  'The solution has 3 steps and the arithmetic in each checks out as far as I can see.',
  'It states its answer clearly; I re-did 2 of the computations.',
  'The reasoning is easy to follow, though step 2 could say more.',
]
const formats: Array<(score: number) => string> = [
  (score) => `Score: ${score}`,
  (score) => `Rating: [[${score}]]`,
  (score) => `I would rate it ${score}/10.`,
  (score) => `Overall: ${score} out of 10.`,
  (score) => `**${score}**`,
  (score) => `Rating: ${score}`,
]

/**
 * A rating reply for a judged reply that is right or wrong.
 * @example writeRating(true, 'The answer is 4.', settings, random) // 'The solution ... Rating: [[8]]'
 */
export function writeRating(right: boolean, judged: string, settings: JudgeSettings, random: () => number): string {
  const judgementRight = random() < settings.accuracy
  const high = right === judgementRight
  let score = high ? 7 + Math.floor(random() * 3) : 1 + Math.floor(random() * 4)
  if (judged.length > longReply && random() < settings.lengthBias) score++
  const reason = reasons[Math.floor(random() * reasons.length)] as string
  if (random() < settings.unreadable) return `${reason} Overall it seems reasonable.`
  const format = formats[Math.floor(random() * formats.length)] as (score: number) => string
  return `${reason}\n\n${format(score)}`
}

/**
 * A pairwise verdict between Response A and Response B.
 * @example writeVerdict({ right: true, length: 200 }, { right: false, length: 400 }, settings, random) // '... Verdict: A'
 */
export function writeVerdict(
  a: { right: boolean; length: number },
  b: { right: boolean; length: number },
  settings: JudgeSettings,
  random: () => number,
): string {
  let choice: 'A' | 'B'
  if (random() < settings.positionBias) choice = 'A'
  else if (a.right !== b.right) {
    const judgementRight = random() < settings.accuracy
    choice = a.right === judgementRight ? 'A' : 'B'
  } else if (a.length !== b.length && random() < settings.lengthBias) choice = a.length > b.length ? 'A' : 'B'
  else choice = random() < 0.5 ? 'A' : 'B'
  return `Both responses address the request; on balance one is more convincing.\n\nVerdict: ${choice}`
}
