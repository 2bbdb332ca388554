/**
 * How the simulated model writes a solution: a few reasoning lines, then the final answer in one of the forms real
 * models use (boxed, `####`, "The final answer is $x$. I hope it is correct.", `**Answer:**`, a stated answer with
 * a trailing sentence, a bare last line), often followed by ordinary closing sentences, some holding numbers.
 */

const reasoningLines = [
  'First, I read the question carefully and note every quantity it gives.',
  'Next, I work out each part in turn, keeping track of 2 or 3 intermediate values.',
  'Then I combine the parts, checking the arithmetic once more.',
  'Finally, I make sure the result answers what was asked.',
]

type Form = (answer: string, unit: string) => string
const numericForms: Form[] = [
  (answer) => `The answer is ${answer}. Hope this helps!`,
  (answer) => `**Answer:** ${answer}\n\nLet me know if you have 2 more questions.`,
  (answer) => `Final answer: ${answer} Let me know if you need anything else.`,
  (answer) => `Final Answer: The final answer is $${answer}$. I hope it is correct.`,
  (answer) => `So the result is $\\boxed{${answer}}$.`,
  (answer) => `#### ${answer}`,
  (answer, unit) => `Answer: ${answer} ${unit} (I checked it with 2 different methods).`,
  (answer) => `The answer is **${answer}**. Double-checking: each of the 3 steps holds.`,
  (answer, unit) => `That leaves ${answer} ${unit} in total.\nFeel free to ask if you need 1 more example!`,
  (answer) => `\n**${answer}**`,
  (answer) => `Therefore, the answer is ${answer}, which matches a quick estimate of about ${answer} give or take 5.`,
  (answer) => `\n${answer}`,
]
const letterForms: Form[] = [
  (answer) => `The answer is (${answer}).`,
  (answer) => `Answer: ${answer}`,
  (answer) => `\n**${answer}**`,
  (answer) => `The correct option is ${answer}, since the other 3 options contradict a premise.`,
  (answer) => `Final Answer: The final answer is $(${answer})$. I hope it is correct.`,
  (answer) => `**Answer:** (${answer})\n\nHope this helps with your 2 remaining questions!`,
  (answer) => `So the answer is ${answer}. Let me know if you want me to go through option A again.`,
]

/**
 * A solution whose final answer is `answer` (a number's text, or a choice letter when `letter`), in a random form.
 * @example writeSolution('42', false, random, 'apples')
 */
export function writeSolution(answer: string, letter: boolean, random: () => number, unit = 'items'): string {
  const lines = reasoningLines.slice(0, 1 + Math.floor(random() * reasoningLines.length))
  const forms = letter ? letterForms : numericForms
  const form = forms[Math.floor(random() * forms.length)] as Form
  const shown = !letter && random() < 0.2 && Number(answer) >= 1000 ? Number(answer).toLocaleString('en-US') : answer
  return `${lines.join('\n')}\n\n${form(shown, unit)}`
}
