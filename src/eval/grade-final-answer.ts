import { extractFinalAnswer, gradeAnswer } from '../../approaches/shared/answers.js'
import { readChoiceLetter } from './choice-answer.js'

export interface FinalAnswerGrade {
  /** The answer found in the model's text (a letter for multiple choice); undefined when there is none. */
  extracted: string | undefined
  correct: boolean
}

/**
 * The one place the eval uses the project's answer extraction (approaches/shared/answers). Without choices: the
 * model's final answer (boxed, `####`, a stated answer, the last line or number) compared by meaning with the
 * expected one (`1,200.50` = `1200.5`, `1/2` = `0.5`). With choices: the letter the final answer names (or whose
 * choice text it gives), else the letter found by readChoiceLetter's patterns, against the expected letter.
 * @example gradeWithAnswerExtraction('... so the answer is $1,200.', '1200') // { extracted: '1200', correct: true }
 * @example gradeWithAnswerExtraction('The correct option is B, since ...', 'B', ['x', 'y']) // { extracted: 'B', correct: true }
 */
export function gradeWithAnswerExtraction(modelText: string, expected: string, choices?: string[]): FinalAnswerGrade {
  if (choices === undefined) return gradeAnswer(modelText, expected)
  const letter = readChoiceLetter(modelText, choices, extractFinalAnswer(modelText))
  return { extracted: letter, correct: letter !== undefined && letter === expected.trim().toUpperCase() }
}
