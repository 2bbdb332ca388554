/**
 * Scores and verdicts read from a judge's reply. Every pattern has bounded repetition (no `\s*` next to another
 * unbounded run), so reading is linear in the reply's length.
 */

const number = String.raw`(\d{1,3}(?:\.\d{1,2})?)`
/** `Rating: [[8]]`, `[[8]]` (the MT-Bench form). */
const doubleBracket = new RegExp(String.raw`\[\[\s{0,3}${number}\s{0,3}(?:\/\s{0,3}(\d{1,3})\s{0,3})?\]\]`, 'g')
/** `Score: 8`, `Rating = 8/10`, `**Rating:** 8 out of 10`, `Score: [8]` after a keyword. */
const keyword = /\b(?:score|rating|grade)\b/gi
const afterKeyword = new RegExp(String.raw`^[\s*_:=\-]{0,12}(?:is\s{1,3})?[\[(*]{0,3}\s{0,3}${number}(?:\s{0,3}(?:\/|out\s{1,3}of)\s{0,3}(\d{1,3}))?`, 'i')
/** `8/10`, `8 out of 10`, `4/5`. */
const fraction = new RegExp(String.raw`(?<![\d.])${number}\s{0,3}(?:\/|out\s{1,3}of)\s{0,3}(10|5|100)\b`, 'gi')
/** `**8**` on its own. */
const bold = new RegExp(String.raw`\*\*\s{0,3}${number}\s{0,3}\*\*`, 'g')
/** A reply that is only a number. */
const bare = new RegExp(String.raw`^[\s*_\[(]{0,6}${number}[\s*_\])."]{0,6}$`)

/** How many keyword mentions are examined, from the last one back. */
const maxMentions = 12

/** A score on `scale` (0-10 by default) from a value written out of `outOf`; undefined when out of range. */
function toScale(value: number, outOf: number, scale: number): number | undefined {
  if (!Number.isFinite(value) || outOf <= 0 || value < 0 || value > outOf) return undefined
  return outOf === scale ? value : (value / outOf) * scale
}

function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined
  pattern.lastIndex = 0
  for (const match of text.matchAll(pattern)) last = match as RegExpExecArray
  return last
}

/**
 * Reads a judge's score (0 to `scale`) in every common form: `Score: 8`, `Rating: [[8]]`, `8/10`, `8 out of 10`,
 * `**8**`, `Rating: 4/5` (rescaled), or a reply that is only the number. The last stated score counts. Undefined
 * when there is none or it is out of range (never guessed as 0 or 10).
 * @example readScore('Clear and correct.\n\nRating: [[8]]') // 8
 */
export function readScore(text: string, scale = 10): number | undefined {
  const bracketed = lastMatch(doubleBracket, text)
  if (bracketed !== undefined) return toScale(Number(bracketed[1]), bracketed[2] === undefined ? scale : Number(bracketed[2]), scale)
  const mentions = [...text.matchAll(keyword)].slice(-maxMentions).reverse()
  for (const mention of mentions) {
    const after = afterKeyword.exec(text.slice(mention.index + mention[0].length, mention.index + mention[0].length + 40))
    if (after !== null) return toScale(Number(after[1]), after[2] === undefined ? scale : Number(after[2]), scale)
  }
  const outOf = lastMatch(fraction, text)
  if (outOf !== undefined) return toScale(Number(outOf[1]), Number(outOf[2]), scale)
  const emphasised = lastMatch(bold, text)
  if (emphasised !== undefined) return toScale(Number(emphasised[1]), scale, scale)
  const only = text.length <= 40 ? bare.exec(text) : null
  return only === null ? undefined : toScale(Number(only[1]), scale, scale)
}

/**
 * `Verdict: A`, `[[B]]`, `Winner: **A**`, `Response B is better`. The letters are matched in capitals only, so the
 * article in "the answer is a number" is never read as a verdict.
 */
const verdictPatterns = [
  /\[\[\s{0,3}([AB]|[Tt]ie)\s{0,3}\]\]/g,
  /\b(?:[Vv]erdict|VERDICT|[Ww]inner|[Bb]etter response)\b[\s*_:=-]{0,12}(?:is\s{1,3})?(?:[Rr]esponse\s{1,3})?\(?\**\s{0,3}\b([AB]|[Tt]ie)\b/g,
  /\b(?:[Rr]esponse|[Aa]nswer|[Cc]andidate)\s{1,3}([AB])\s{1,3}is\s{1,3}(?:better|stronger|more correct|preferable)/g,
]

/**
 * Reads a pairwise verdict: `A`, `B`, `tie`, or undefined when the reply names none. The last stated verdict counts.
 * @example readVerdict('B reasons more carefully.\nVerdict: B') // 'B'
 */
export function readVerdict(text: string): 'A' | 'B' | 'tie' | undefined {
  for (const pattern of verdictPatterns) {
    const match = lastMatch(pattern, text)
    if (match !== undefined) {
      const value = (match[1] as string).toUpperCase()
      return value === 'TIE' ? 'tie' : (value as 'A' | 'B')
    }
  }
  const only = /^[\s*_("]{0,6}([AB])[\s*_)."]{0,6}$/.exec(text.length <= 20 ? text : '')
  return only === null ? undefined : (only[1] as 'A' | 'B')
}
