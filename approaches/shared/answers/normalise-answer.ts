import Fraction from 'fraction.js'
import { flattenLatex } from './latex.js'

/** A number read from an answer: its exact value, and whether it was written as a percentage. */
export interface NumericAnswer {
  value: Fraction
  percent: boolean
}

/** Longest text read as one answer. */
export const maxAnswerLength = 400

const currency = /^(?:[$€£¥₹]|usd|eur|gbp|rs\.?)\s*/i
// one number, anchored: an optional sign, grouped thousands or plain digits, decimals, optionally a fraction
const numberPattern = /^([-+]?)(\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(\.\d+)?(?:\s*\/\s*(\d+(?:\.\d+)?))?/
// what may follow a number and still leave it a plain number: a unit or a currency name, a percent sign
const trailingUnit = /^\s*(%|percent\b|per\s*cent\b)?\s*(?:[a-zA-Z°µ$€£¥][a-zA-Z°µ/²³.\s-]{0,30})?$/

/**
 * Reads an answer that is a number (with grouping commas, a currency sign, a unit, a percent sign, a fraction `a/b`
 * or LaTeX `\frac{a}{b}`); undefined when the answer is not a number (an expression such as `2x+1` is not).
 * @example readNumericAnswer('$1,200.50') // { value: Fraction(2401/2), percent: false }
 */
export function readNumericAnswer(raw: string): NumericAnswer | undefined {
  // answers are short: a long text is not one number (and the bound keeps every pattern below cheap)
  if (raw.length > maxAnswerLength) return undefined
  let text = flattenLatex(raw)
    .replace(/[\u2212\u2013]/g, '-')
    .trim()
  text = stripWrapping(text)
  let negative = false
  if (text.startsWith('-')) {
    negative = true
    text = text.slice(1).trimStart()
  }
  text = text.replace(currency, '')
  if (text.startsWith('-') && !negative) {
    negative = true
    text = text.slice(1)
  }
  const match = numberPattern.exec(text)
  if (match === null || (match[2] === '' && match[3] === undefined)) return undefined
  const rest = text.slice(match[0].length)
  const unit = trailingUnit.exec(rest)
  if (unit === null) return undefined
  if (match[1] === '-') negative = !negative
  const whole = `${match[2] === '' ? '0' : (match[2] as string).replace(/,/g, '')}${match[3] ?? ''}`
  try {
    let value = new Fraction(whole)
    if (match[4] !== undefined) {
      const denominator = new Fraction(match[4])
      if (denominator.equals(0)) return undefined
      value = value.div(denominator)
    }
    return { value: negative ? value.neg() : value, percent: unit[1] !== undefined }
  } catch {
    return undefined
  }
}

/** Surrounding markdown, math delimiters and quotes, removed (each a bounded number of passes). */
function stripWrapping(input: string): string {
  let text = input.trim()
  for (let pass = 0; pass < 4; pass++) {
    const before = text
    text = text.replace(/^[*_`"'“”‘’]+/, '').replace(/[*_`"'“”‘’]+$/, '')
    if (text.startsWith('$') && text.endsWith('$') && text.length > 1) text = text.replace(/^\$+/, '').replace(/\$+$/, '')
    text = text.replace(/[.!?,;:]+$/, '').trim()
    // one bracketed group around the whole answer: "(5/2)"
    if (text.startsWith('(') && text.endsWith(')') && text.indexOf('(', 1) < 0) text = text.slice(1, -1).trim()
    if (text === before) break
  }
  return text
}

/**
 * The canonical text of a number: a terminating decimal (`1200.5`), else the reduced fraction (`1/3`).
 * @example formatNumber(new Fraction(1, 2)) // '0.5'
 */
export function formatNumber(value: Fraction): string {
  let denominator = value.d
  while (denominator % 2n === 0n) denominator /= 2n
  while (denominator % 5n === 0n) denominator /= 5n
  const text = denominator === 1n ? value.toString(40) : value.toFraction()
  return text === '-0' ? '0' : text
}

const articles = /^(?:the|a|an)\s+/i

/**
 * Normalises an answer so that answers that mean the same usually have the same text (the key votes count): numbers
 * canonical (`1,200.50` and `$1200.5` give `1200.5`, `\frac{1}{2}` gives `0.5`, `50%` stays `50%`), a choice letter
 * lower-cased without brackets, other text with LaTeX flattened, markdown and final punctuation removed, lower-cased,
 * with single spaces, no leading article and no spaces around operators. Idempotent.
 * @example normaliseAnswer('**The Eiffel Tower.**') // 'eiffel tower'
 */
export function normaliseAnswer(raw: string): string {
  const numeric = readNumericAnswer(raw)
  if (numeric !== undefined) return `${formatNumber(numeric.value)}${numeric.percent ? '%' : ''}`
  let text = stripWrapping(flattenLatex(raw.slice(0, maxAnswerLength)))
  const choice = /^\(([A-Za-z])\)$|^([A-Za-z])\)$/.exec(text)
  if (choice !== null) return (choice[1] ?? choice[2] ?? '').toLowerCase()
  text = text.toLowerCase().replace(/\s+/g, ' ').replace(articles, '')
  text = text.replace(/\s*([+\-*/^=<>(),])\s*/g, '$1')
  return stripWrapping(text)
}
