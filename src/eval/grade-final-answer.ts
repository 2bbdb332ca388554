import { gradeAnswer } from '../../approaches/shared/answers.js'

export interface FinalAnswerGrade {
  /** The answer found in the model's text, normalised; undefined when there is none. */
  extracted: string | undefined
  correct: boolean
}

/**
 * The one place the eval uses the project's answer extraction: the model's final answer (boxed, `####`, a stated
 * answer, the last line or number) compared by meaning with the expected one (`1,200.50` = `1200.5`, `1/2` = `0.5`).
 * @example gradeFinalAnswerText('... so the answer is $1,200.', '1200') // { extracted: '1200', correct: true }
 */
export function gradeFinalAnswerText(modelText: string, expected: string): FinalAnswerGrade {
  return gradeAnswer(modelText, expected)
}
