import { RE2JS } from 're2js'
import type { ChatClient } from './chat-client.js'
import type { EvalItem } from './eval-item.js'
import { gradeWithAnswerExtraction } from './grade-final-answer.js'
import { createJudgeGrader } from './judge-grader.js'

export interface Grade {
  /** What the grader read as the answer (null when it found none). */
  extracted: string | null
  correct: boolean
  /** The judge's own calls and tokens, counted apart from the approach's. */
  judge?: { calls: number; tokens: { prompt: number; completion: number } }
  /** Why grading failed (a judge request that failed); the row then counts as an error. */
  error?: string
}

export interface Grader {
  /** The grader as named on the command line. */
  readonly name: string
  grade(item: EvalItem, answer: string, signal: AbortSignal): Promise<Grade>
}

export class GraderError extends Error {
  override name = 'GraderError'
}

/** Longest model answer a pattern runs over (the tail is kept: final answers come last). */
const maxGradedChars = 100_000

/**
 * The grader named by `--grader`: `final-answer`, `exact`, `regex:<pattern>`, `choice`, `judge:<model>`;
 * `auto` (the default) grades multiple-choice items with `choice` and the others with `final-answer`.
 * Throws a GraderError for an unknown name or a pattern that does not compile.
 * @example const grader = createGrader('regex:Answer: (\\w+)', client)
 */
export function createGrader(spec: string, client: ChatClient): Grader {
  if (spec === 'auto') {
    return { name: 'auto', grade: async (item, answer) => (item.choices === undefined ? gradeFinalAnswer(item, answer) : gradeChoice(item, answer)) }
  }
  if (spec === 'final-answer') return { name: spec, grade: async (item, answer) => gradeFinalAnswer(item, answer) }
  if (spec === 'exact') return { name: spec, grade: async (item, answer) => gradeExact(item, answer) }
  if (spec === 'choice') return { name: spec, grade: async (item, answer) => gradeChoice(item, answer) }
  if (spec.startsWith('regex:')) return createRegexGrader(spec.slice('regex:'.length))
  if (spec.startsWith('judge:')) {
    const model = spec.slice('judge:'.length).trim()
    if (model === '') throw new GraderError('--grader judge:<model> needs a model, e.g. judge:gpt-4o')
    return createJudgeGrader(model, client)
  }
  throw new GraderError(`unknown --grader '${spec}': use final-answer, exact, regex:<pattern>, choice or judge:<model>`)
}

function gradeFinalAnswer(item: EvalItem, answer: string): Grade {
  const { extracted, correct } = gradeWithAnswerExtraction(answer.slice(-maxGradedChars), item.expected)
  return { extracted: extracted ?? null, correct }
}

/** The whole answer, trimmed, equals the expected answer (case and inner spacing count). */
function gradeExact(item: EvalItem, answer: string): Grade {
  const extracted = answer.trim()
  return { extracted, correct: extracted === item.expected.trim() }
}

/** The chosen letter equals the expected one; an item without choices is graded on its letter answer as given. */
function gradeChoice(item: EvalItem, answer: string): Grade {
  const choices = item.choices ?? Array.from({ length: 26 }, () => '')
  const { extracted, correct } = gradeWithAnswerExtraction(answer.slice(-maxGradedChars), item.expected, choices)
  return { extracted: extracted ?? null, correct }
}

/**
 * `regex:<pattern>`: the pattern's last match in the answer (its first group, or the whole match without groups) is
 * the extracted answer, right when it equals the expected answer ignoring case and surrounding space. The pattern
 * runs on RE2 (re2js), linear in the answer's length whatever the pattern: no catastrophic backtracking.
 */
function createRegexGrader(pattern: string): Grader {
  let compiled: RE2JS
  try {
    compiled = RE2JS.compile(pattern)
  } catch (error) {
    throw new GraderError(
      `--grader regex: the pattern does not compile (${error instanceof Error ? error.message : String(error)}); RE2 syntax: no backreferences or lookaround`,
    )
  }
  return {
    name: `regex:${pattern}`,
    async grade(item, answer) {
      const matcher = compiled.matcher(answer.slice(-maxGradedChars))
      let extracted: string | null = null
      while (matcher.find()) {
        const group = compiled.groupCount() > 0 ? matcher.group(1) : matcher.group()
        if (group !== null) extracted = group.trim()
      }
      return { extracted, correct: extracted !== null && extracted.toLowerCase() === item.expected.trim().toLowerCase() }
    },
  }
}
