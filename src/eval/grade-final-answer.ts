import { extractFinalAnswer } from '../../approaches/shared/answers.js'

export interface FinalAnswerGrade {
  /** The answer found in the model's text, normalised; undefined when there is none. */
  extracted: string | undefined
  correct: boolean
}

/**
 * The one place the eval uses the project's answer extraction: the model's final answer against the expected one,
 * both normalised the same way (numbers without separators or trailing zeros, text lower-cased).
 * @example gradeFinalAnswerText('... so the answer is $1,200.', '1200') // { extracted: '1200', correct: true }
 */
export function gradeFinalAnswerText(modelText: string, expected: string): FinalAnswerGrade {
  const extracted = extractFinalAnswer(modelText)
  const normalisedExpected = extractFinalAnswer(`The answer is ${expected}`) ?? expected.trim().toLowerCase()
  return { extracted, correct: extracted !== undefined && extracted === normalisedExpected }
}
