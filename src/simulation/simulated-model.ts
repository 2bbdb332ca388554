import { createTextReplyProvider, readMessageText } from './create-text-reply-provider.js'
import type { Provider } from '../core/provider.js'
import { answersEquivalent, extractFinalAnswer } from '../../approaches/shared/answers.js'
import type { Message } from '../core/message.js'
import type { ModelRequest } from '../core/request.js'
import { writeSolution } from './answer-writing.js'
import { createRandom, drawBeta, pickWeighted } from './random.js'
import { writeRating, writeVerdict } from './simulated-judge.js'

export { createRandom } from './random.js'
export { createWordProblems, type WordProblem } from './word-problems.js'

/** A question the simulated model answers: a number or text, or with `choices` a letter (A for the first choice). */
export interface SimulatedProblem {
  question: string
  answer: string | number
  choices?: string[]
}

export interface SimulatedModelSettings {
  /** Mean probability that one solving sample is right; each question's own accuracy is drawn around it. */
  accuracy: number
  /** Probability that one judgement (rating, verification, comparison) is right. */
  raterAccuracy: number
  /** Probability that a solving call which sees earlier answers adopts their majority instead of solving afresh. */
  adoption: number
  /** Beta concentration (alpha + beta) of the per-question accuracy; Infinity: every question at `accuracy`. Default 4. */
  concentration?: number
  /** Share of each wrong answer among the wrong ones (the first is the common mistake). Default [0.6, 0.25, 0.15]. */
  wrongShares?: number[]
  /** Probability that a pairwise verdict names the first response regardless. Default 0.3. */
  positionBias?: number
  /** Probability that a long reply is rated a point higher / the longer of two equal replies wins. Default 0.5. */
  lengthBias?: number
  /** Probability that a rating reply is unreadable. Default 0.05. */
  unreadableRatings?: number
  /** Probability that a program the model is asked to write for a word problem computes it correctly. Default 0.9. */
  codeAccuracy?: number
}

/** What the simulation knows about the question it answers: the basis of the benchmark's predictions. */
export interface SimulatedProfile {
  /** This question's accuracy (drawn from the Beta distribution around the mean). */
  readonly accuracy: number
  /** The right answer and the wrong ones, as the model writes them. */
  readonly answers: readonly string[]
  /** Share of each wrong answer among the wrong ones. */
  readonly wrongShares: readonly number[]
}

export type SimulatedProvider = Provider & { readonly profile: SimulatedProfile }

const letters = 'ABCDEFGHIJ'
const messageText = readMessageText

/** The right answer and up to three wrong ones, as written: choice letters, numbers, or text. */
function listAnswers(problem: SimulatedProblem): { answers: string[]; letter: boolean } {
  if (problem.choices !== undefined && problem.choices.length > 1) {
    const count = Math.min(problem.choices.length, letters.length)
    const byText = problem.choices.indexOf(String(problem.answer))
    const given = String(problem.answer).trim().toUpperCase()
    const right = byText >= 0 ? byText : Math.max(0, letters.indexOf(given.length === 1 ? given : 'A'))
    const wrong = Array.from({ length: count }, (_, index) => index).filter((index) => index !== right)
    return { answers: [letters[right] as string, ...wrong.slice(0, 3).map((index) => letters[index] as string)], letter: true }
  }
  const value = typeof problem.answer === 'number' ? problem.answer : Number(problem.answer)
  if (typeof problem.answer === 'number' || (problem.answer.trim() !== '' && Number.isFinite(value))) {
    const candidates = [value + 1, value - 1, value * 2, value + 10, value - 10].filter((entry, index, all) => entry !== value && all.indexOf(entry) === index)
    return { answers: [String(value), ...candidates.slice(0, 3).map(String)], letter: false }
  }
  const text = String(problem.answer)
  return { answers: [text, `not ${text}`, `something other than ${text}`, 'unknown'], letter: false }
}

/**
 * A program for one of the seeded word problems (src/simulation/word-problems.ts): right with probability
 * `accuracy`, else with the classic precedence mistake (the multiplication applied to the last term only); NO_CODE
 * for a question of another shape. Programs are what models get right far more often than mental arithmetic.
 */
function writeProgram(question: string, accuracy: number, random: () => number): string {
  const match = /has (\d+) .*?finds (\d+) more and gives (\d+) away\. .*?multiplied by (\d+)/.exec(question)
  if (match === null) return 'NO_CODE'
  const [, a, b, c, m] = match
  const expression = random() < accuracy ? `(${a} + ${b} - ${c}) * ${m}` : `${a} + ${b} - ${c} * ${m}`
  return `Let me compute it.\n\n\`\`\`python\ntotal = ${expression}\nprint(total)\n\`\`\``
}

/** The printed output of an executed program the model is shown (executecode's and coc's answer steps), if any. */
function readComputedOutput(text: string): string | undefined {
  if (!text.includes('Status: ok')) return undefined
  return /Output:\n(-?\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1]
}

/** A generative selection: the judge names a right candidate with probability `accuracy`, else another one. */
function writeSelection(text: string, isRight: (candidate: string) => boolean, accuracy: number, random: () => number): string {
  const candidates = [...text.matchAll(/\[Candidate (\d+)\]\n([\s\S]*?)\n\[End of candidate \1\]/g)].map((found) => ({
    number: Number(found[1]),
    right: isRight(found[2] ?? ''),
  }))
  const right = candidates.filter((candidate) => candidate.right)
  const wrong = candidates.filter((candidate) => !candidate.right)
  const pool = right.length > 0 && (wrong.length === 0 || random() < accuracy) ? right : wrong.length > 0 ? wrong : candidates
  const chosen = pool[Math.floor(random() * pool.length)]
  return `Comparing the candidates step by step.\n\nBest: ${chosen?.number ?? 1}`
}

/**
 * A Provider that behaves like a model of known quality on one problem: this question's accuracy is drawn from a
 * Beta distribution around `accuracy` (easy questions are nearly always right, hard ones nearly always wrong, which is
 * what limits voting); a wrong answer is one of a few plausible wrong answers, the common mistake most often.
 * Solutions are written in the forms real models use, with trailing sentences. Rating, verification and comparison
 * calls are answered by a judge right with probability `raterAccuracy`, with position and length bias; a call that
 * sees earlier answers (a synthesis, a refinement, a pipeline's draft) adopts their majority with probability
 * `adoption`; a sneaky prover always answers wrongly. Structural steps (plans, observations, example extraction) get
 * fixed replies without an answer. Draws happen in call order from the seed.
 * @example const provider = createSimulatedModel({ question: 'What is 6 × 7?', answer: 42 }, { accuracy: 0.6, raterAccuracy: 0.8, adoption: 0.5 }, 1)
 */
export function createSimulatedModel(problem: SimulatedProblem, settings: SimulatedModelSettings, seed: number): SimulatedProvider {
  const random = createRandom(seed)
  const { answers, letter } = listAnswers(problem)
  const wrongShares = (settings.wrongShares ?? [0.6, 0.25, 0.15]).slice(0, answers.length - 1)
  const profile: SimulatedProfile = { accuracy: drawBeta(random, settings.accuracy, settings.concentration ?? 4), answers, wrongShares }
  const judge = {
    accuracy: settings.raterAccuracy,
    positionBias: settings.positionBias ?? 0.3,
    lengthBias: settings.lengthBias ?? 0.5,
    unreadable: settings.unreadableRatings ?? 0.05,
  }
  const unit = /How many (\w+)/.exec(problem.question)?.[1] ?? 'in all'
  const isRight = (text: string): boolean => {
    const extracted = extractFinalAnswer(text)
    return extracted !== undefined && answersEquivalent(extracted, answers[0] as string)
  }
  const wrongAnswer = (): string => answers[1 + pickWeighted(random, wrongShares)] as string
  const solve = (): string => (random() < profile.accuracy ? (answers[0] as string) : wrongAnswer())
  /** The model's own answers stated in the conversation after the question (paragraph by paragraph), in order. */
  const readSeenAnswers = (messages: Message[]): string[] => {
    const seen: string[] = []
    for (const message of messages) {
      const text = messageText(message).split(problem.question).join('')
      for (const paragraph of text.split(/\n{2,}/)) {
        const extracted = extractFinalAnswer(paragraph)
        if (extracted === undefined) continue
        const known = answers.find((answer) => answersEquivalent(extracted, answer))
        if (known !== undefined) seen.push(known)
      }
    }
    return seen
  }
  const reply = (request: ModelRequest): string => {
    const messages = request.messages
    const last = messageText(messages.at(-1) as Message)
    if (last.includes('Verdict: A')) {
      const a = /\[Response A\]\n([\s\S]*?)\n\[End of Response A\]/.exec(last)?.[1] ?? ''
      const b = /\[Response B\]\n([\s\S]*?)\n\[End of Response B\]/.exec(last)?.[1] ?? ''
      return writeVerdict({ right: isRight(a), length: a.length }, { right: isRight(b), length: b.length }, judge, random)
    }
    if (/Rating: N|Score: N/.test(last)) {
      // a re-ask: the judged reply is two messages further back
      const base = last.includes('no readable') ? messages.slice(0, -2) : messages
      const previous = base.at(-2)
      const judged = previous?.role === 'assistant' ? messageText(previous) : messageText(base.at(-1) as Message).replace(/\n\n[^\n]*$/, '')
      return writeRating(isRight(judged), judged, judge, random)
    }
    if (last.includes('numbered list, one step per line')) return '1. Work out the answer step by step.'
    if (last.includes('JSON array')) return '[]'
    if (/observations/i.test(last) && /Do not solve|not solve it yet/.test(last))
      return '1. The quantities combine in a fixed order.\n2. Each step changes the running total.'
    if (/step-by-step plan/.test(last) && /without solving it|not write the final solution/.test(last))
      return '1. Collect the quantities.\n2. Combine them in order.\n3. Check the result.'
    if (last.includes('Write the precise request')) return problem.question
    if (last.includes('"Best: N"')) return writeSelection(last, isRight, judge.accuracy, random)
    if (last.includes('```python code block')) return writeProgram(problem.question, settings.codeAccuracy ?? 0.9, random)
    const computed = readComputedOutput(messages.map(messageText).join('\n'))
    if (computed !== undefined) return writeSolution(computed, letter, random, unit)
    if (messages.some((message) => message.role === 'system' && messageText(message).includes('sneaky prover')))
      return writeSolution(wrongAnswer(), letter, random, unit)
    const seen = readSeenAnswers(messages)
    if (seen.length > 0 && random() < settings.adoption) {
      const counts = new Map<string, number>()
      for (const answer of seen) counts.set(answer, (counts.get(answer) ?? 0) + 1)
      const majority = [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0]
      return writeSolution(majority, letter, random, unit)
    }
    return writeSolution(solve(), letter, random, unit)
  }
  return { ...createTextReplyProvider('simulated', reply), profile }
}
