import { readBraceGroup } from './latex.js'
import { normaliseAnswer, readNumericAnswer } from './normalise-answer.js'
import { type ReadAnswer, readAnswerSpan } from './read-answer-span.js'

/** Phrases after which the answer is stated ("The final answer is", "Answer:", "the correct option is"). */
const markerPattern = /\b(?:answer|correct (?:option|choice)|result)\b/gi
/** What must follow a marker word for it to state the answer: "is", ":", "=", possibly inside markdown. */
const markerTail = /^[\s*_]*(?:\([^)\n]{0,20}\))?[\s*_]*(?::|=|is\b|would be\b|will be\b|should be\b|-\s|—|–)[\s*_:]*/i
/** Closing lines that are not part of the solution ("Hope this helps!", "Let me know ..."). */
const closingLine =
  /^\W*(?:i hope|hope (?:this|that|it)|let me know|feel free|happy to help|glad to help|if you have|good luck|please let|does that|is there anything|i hope it is correct)/i
const lastNumber = /[-\u2212]?[$€£¥]?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+)?%?/g
/** Stated answers read, from the last one back. */
const maxMarkersRead = 12
/** Longest tail of the text searched for a plain last number. */
const maxScan = 100_000

/**
 * Extracts the final answer of a model's reply and normalises it (the result is usable as a vote key). In order:
 * the last `\boxed{...}` (nested braces kept), a GSM8K `#### 42` line, the last stated answer ("The answer is",
 * "Final answer:", "**Answer:** ...", "the correct option is"), a last line that only holds an answer (`42`,
 * `**B**`, `$\frac{1}{2}$`, `Yes.`), else the last number outside closing chit-chat. The answer ends where the
 * answer ends: trailing sentences, explanations in brackets, markdown and punctuation are left out. Every step scans
 * the text a bounded number of times, so this is linear in the text's length.
 * @example extractFinalAnswer('The answer is **42**. Hope this helps!') // '42'
 * @example extractFinalAnswer('Final answer: 42 Let me know if you need anything else.') // '42'
 */
export function extractFinalAnswer(input: string): string | undefined {
  const text = input.length > maxScan ? input.slice(input.length - maxScan) : input
  return readBoxed(text) ?? readHashes(text) ?? readStated(text) ?? readLastLine(text) ?? readLastNumber(text)
}

function readBoxed(text: string): string | undefined {
  const at = Math.max(text.lastIndexOf('\\boxed'), text.lastIndexOf('\\fbox'))
  if (at < 0) return undefined
  const open = text.indexOf('{', at)
  if (open < 0 || open - at > 8) return undefined
  const group = readBraceGroup(text, open)
  if (group === undefined) return undefined
  if (group.content.trim() === '') return undefined
  // a box holds only the answer: read it whole when it is a number (`1{,}200`, `12\%`, `\left(\frac{5}{2}\right)`)
  if (readNumericAnswer(group.content) !== undefined) return normaliseAnswer(group.content)
  return readAnswerSpan(group.content)?.answer
}

function readHashes(text: string): string | undefined {
  const at = text.lastIndexOf('####')
  if (at < 0) return undefined
  const lineEnd = text.indexOf('\n', at)
  return readAnswerSpan(text.slice(at + 4, lineEnd < 0 ? undefined : lineEnd))?.answer
}

/** The last stated answer that reads as a strong answer (a number, a choice, yes/no, math, bold), else the last one read. */
function readStated(text: string): string | undefined {
  const ends: number[] = []
  for (const match of text.matchAll(markerPattern)) {
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 60)
    const tail = markerTail.exec(after)
    if (tail !== null) ends.push(match.index + match[0].length + tail[0].length)
  }
  let weak: ReadAnswer | undefined
  // the last few markers only: each read is bounded, so a text full of "answer is" stays linear and fast
  for (let index = ends.length - 1; index >= Math.max(0, ends.length - maxMarkersRead); index--) {
    const start = ends[index] as number
    let span = text.slice(start, start + 600)
    // the answer on the line after the marker
    if (/^[\s*_]*\n/.test(span)) span = span.replace(/^[\s*_]*\n\s*/, '')
    const read = readAnswerSpan(span)
    if (read === undefined) continue
    if (read.strength === 'strong') return read.answer
    weak ??= read
  }
  return weak?.answer
}

function readLastLine(text: string): string | undefined {
  const lines = text.slice(-4000).split('\n')
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = (lines[index] as string).trim()
    if (line === '' || /^[-=*_]{3,}$/.test(line) || closingLine.test(line)) continue
    if (line.length > 60) return undefined
    const read = readAnswerSpan(line)
    if (read === undefined || read.strength !== 'strong') return undefined
    // the whole line must be the answer (a number with at most a unit or a full stop after it)
    if (
      !/^[\s*_$\\([]*(?:[-+\u2212]?[$€£¥]?[\d.,/\s]+%?|\(?[A-J]\)?|yes|no|true|false|\\(?:frac|dfrac)\{[^}]*\}\{[^}]*\})[\s*_$\\)\].!]*(?:[a-zA-Z]{1,12}\.?)?$/i.test(
        line,
      )
    )
      return undefined
    return read.answer
  }
  return undefined
}

function readLastNumber(text: string): string | undefined {
  const lines = text.split('\n')
  let end = lines.length
  while (end > 0 && (closingLine.test(lines[end - 1] as string) || (lines[end - 1] as string).trim() === '')) end--
  const body = lines.slice(0, end).join('\n')
  let last: string | undefined
  for (const match of body.matchAll(lastNumber)) last = match[0]
  return last === undefined ? undefined : readAnswerSpan(last)?.answer
}
