import type { ChatClient } from './chat-client.js'
import type { Grader } from './graders.js'

/** The judge's instructions: our own wording. The verdict line is what the grade reads. */
export const judgeInstructions = [
  'You grade an answer to a question against the reference answer.',
  'The answer is correct when its final result means the same as the reference (equal numbers, the same choice,',
  'the same fact), however it is worded or formatted. It is incorrect when it differs, hedges between results or gives none.',
  'Reply with one line of reasoning, then a last line that is exactly "VERDICT: CORRECT" or "VERDICT: INCORRECT".',
].join(' ')

/** Longest part of a model answer shown to the judge (its end: final answers come last). */
const maxJudgedChars = 12_000

/**
 * `judge:<model>`: a configured model reads the question, the reference answer and the model's answer and gives a
 * verdict. It runs through the same client (approach `none`), so the same providers and keys; its calls and tokens
 * are returned apart so the report counts them separately from the approaches'. A judge reply without a verdict
 * grades the item incorrect with `extracted` null; a failed judge request makes the row an error (run again on resume).
 * @example const grader = createJudgeGrader('gpt-4o', client)
 */
export function createJudgeGrader(model: string, client: ChatClient): Grader {
  return {
    name: `judge:${model}`,
    async grade(item, answer, signal) {
      const shown = answer.length > maxJudgedChars ? `[...]${answer.slice(-maxJudgedChars)}` : answer
      const prompt = `Question:\n${item.question}\n\nReference answer:\n${item.expected}\n\nAnswer to grade:\n${shown}`
      const outcome = await client.complete({
        model,
        approach: 'none',
        messages: [
          { role: 'system', content: judgeInstructions },
          { role: 'user', content: prompt },
        ],
        signal,
      })
      const verdicts = [...outcome.text.matchAll(/VERDICT:\s*(CORRECT|INCORRECT)/gi)]
      const verdict = verdicts.at(-1)?.[1]?.toUpperCase()
      return {
        extracted: verdict === undefined ? null : verdict.toLowerCase(),
        correct: verdict === 'CORRECT',
        judge: { calls: outcome.calls, tokens: outcome.tokens },
        ...(outcome.error === null ? {} : { error: `judge: ${outcome.error}` }),
      }
    },
  }
}
