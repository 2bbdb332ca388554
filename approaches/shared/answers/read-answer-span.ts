import { readBraceGroup } from './latex.js'
import { maxAnswerLength, normaliseAnswer, readNumericAnswer } from './normalise-answer.js'

/** How sure the reading is: a number, a choice, yes/no or a marked-up answer is `strong`; free text is `weak`. */
export interface ReadAnswer {
  answer: string
  strength: 'strong' | 'weak'
}

const leadingFiller =
  /^(?:[\s*_:=>`#]|-(?=\s)|is\b|was\b|of\b|would be\b|will be\b|should be\b|equals\b|therefore\b|thus\b|so\b|option\b|choice\b|letter\b|about\b|approximately\b|roughly\b|around\b|exactly\b|only\b|just\b|~|≈)+/i
const numberStart = /^[-+\u2212]?\s*(?:[$€£¥₹]\s*)?(?:\d|\.\d)[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?(?:\s*(?:%|percent\b))?/
const expressionAfterNumber = /^(?:[A-Za-z(^]|\s*[+*^=<>]\s*\S|\s+-\s*\d|\s*\/\s*[A-Za-z(])/
const choiceStart = /^(?:\(([A-Ja-j])\)|\[([A-Ja-j])\]|([A-J])(?:\)|(?![A-Za-z0-9'’])(?!\s+[a-z])))/
const yesNo = /^(yes|no|true|false)(?![A-Za-z])/i
const variableAssignment = /^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*(?=[^=])/

/**
 * The end of the answer in a span that starts with it: the first sentence end (`. ` or a final `.`, `!`, `?`, `;`), an
 * explanation in brackets (` (`), a dash, a comma before a word, or a line break. One scan.
 */
function findAnswerEnd(span: string): number {
  for (let index = 0; index < span.length; index++) {
    const char = span[index] as string
    const next = span[index + 1]
    if (char === '\n') return index
    if ((char === '.' || char === '!' || char === '?' || char === ';' || char === '。') && (next === undefined || /\s/.test(next))) return index
    if (char === ' ' && index > 0 && (next === '(' || next === '—' || next === '–' || (next === '-' && span[index + 2] === ' '))) return index
    if (char === '—' || char === '–') return index
    if (char === ',' && next === ' ' && /[A-Za-z]/.test(span[index + 2] ?? '')) return index
    if (char === ':' && next === ' ' && index > 0) return index
  }
  return span.length
}

/**
 * Reads the answer at the start of `span` (the text after "The answer is", inside a box, or a last line): a number
 * (its unit and whatever follows it left out), a choice letter, yes/no, a math or bold group, else the words up to
 * the end of the sentence. The span is bounded first, so this is constant time for any input.
 * @example readAnswerSpan(' **42**. Hope this helps!') // { answer: '42', strength: 'strong' }
 */
export function readAnswerSpan(input: string): ReadAnswer | undefined {
  let span = input.slice(0, maxAnswerLength).replace(leadingFiller, '')
  // an answer on the next line ("**Answer:**\n\n42")
  if (span.trim() === '') return undefined
  span = span.replace(/^\s+/, '')
  const boxed = /^\\(?:boxed|fbox)\s*\{/.exec(span)
  if (boxed !== null) {
    const group = readBraceGroup(span, boxed[0].length - 1)
    if (group !== undefined) return { answer: normaliseAnswer(group.content), strength: 'strong' }
  }
  const math = readMathGroup(span)
  if (math !== undefined) {
    const inner = readAnswerSpan(math.replace(variableAssignment, ''))
    return inner === undefined ? undefined : { answer: inner.answer, strength: 'strong' }
  }
  const bold = /^(\*\*|__)([^*_\n]{1,200})\1/.exec(span)
  if (bold !== null) {
    const inner = readAnswerSpan(bold[2] as string)
    return inner === undefined ? undefined : { answer: inner.answer, strength: 'strong' }
  }
  span = span.replace(variableAssignment, '')
  const number = numberStart.exec(span)
  if (number !== null && !expressionAfterNumber.test(span.slice(number[0].length))) {
    const numeric = readNumericAnswer(number[0])
    if (numeric !== undefined) return { answer: normaliseAnswer(number[0]), strength: 'strong' }
  }
  const choice = choiceStart.exec(span)
  if (choice !== null) return { answer: (choice[1] ?? choice[2] ?? choice[3] ?? '').toLowerCase(), strength: 'strong' }
  const word = yesNo.exec(span)
  if (word !== null) return { answer: (word[1] as string).toLowerCase(), strength: 'strong' }
  const text = span.slice(0, findAnswerEnd(span))
  const answer = normaliseAnswer(text)
  if (answer === '') return undefined
  // a number written inside free text ("42 apples in total", "about 42") still counts as that number
  return { answer, strength: readNumericAnswer(text) === undefined ? 'weak' : 'strong' }
}

/** The contents of a math group the span starts with: `$...$`, `$$...$$`, `\(...\)`, `\[...\]`. */
function readMathGroup(span: string): string | undefined {
  const delimiters: Array<[string, string]> = [
    ['$$', '$$'],
    ['\\(', '\\)'],
    ['\\[', '\\]'],
    ['$', '$'],
  ]
  for (const [open, close] of delimiters) {
    if (!span.startsWith(open)) continue
    const end = span.indexOf(close, open.length)
    if (end < 0) return undefined
    const inner = span.slice(open.length, end)
    // "$5 and $6" is currency, not math: math does not run across a sentence
    if (open === '$' && /\n|\.\s/.test(inner)) return undefined
    return inner
  }
  return undefined
}
