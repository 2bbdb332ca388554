import { normaliseAnswer, readNumericAnswer } from './normalise-answer.js'
import { extractFinalAnswer } from './extract-final-answer.js'

/** Relative tolerance for numbers written with rounding (`0.3333` for 1/3 is not equal; `0.333333333` is). */
const relativeTolerance = 1e-6

/**
 * True when two answers mean the same: numbers compared numerically (`1,200.50` = `1200.5`, `1/2` = `0.5` =
 * `\frac{1}{2}`, units and currency ignored; `50%` equals `50` and `0.5`), text compared after normalising (case,
 * spaces, markdown, LaTeX, a leading article, a choice letter's brackets).
 * @example answersEquivalent('\\frac{1}{2}', '0.5') // true
 */
export function answersEquivalent(a: string, b: string): boolean {
  const first = readNumericAnswer(a)
  const second = readNumericAnswer(b)
  if (first !== undefined && second !== undefined) {
    const x = first.value.valueOf()
    const y = second.value.valueOf()
    const close = (u: number, v: number): boolean => u === v || Math.abs(u - v) <= relativeTolerance * Math.max(1, Math.abs(u), Math.abs(v))
    if (first.value.equals(second.value) || close(x, y)) return true
    if (first.percent !== second.percent) return first.percent ? close(x / 100, y) : close(x, y / 100)
    return false
  }
  if (first !== undefined || second !== undefined) return false
  return normaliseAnswer(a) === normaliseAnswer(b)
}

/**
 * Grades a model's reply against the expected answer: the extracted final answer, and whether it is equivalent.
 * @example gradeAnswer('So the total is $1,200.50. Let me know!', '1200.5') // { extracted: '1200.5', correct: true }
 */
export function gradeAnswer(modelText: string, expected: string): { extracted: string | undefined; correct: boolean } {
  const extracted = extractFinalAnswer(modelText)
  return { extracted, correct: extracted !== undefined && answersEquivalent(extracted, expected) }
}
