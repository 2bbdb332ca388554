import type { Provider } from '../../providers/types.js'
import type { Message } from '../core/message.js'
import type { ModelResult } from '../core/model-result.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { Usage } from '../core/usage.js'

/** A seeded pseudo-random source in [0, 1) (mulberry32). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface WordProblem {
  question: string
  answer: number
}

const names = ['Ada', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Goran', 'Hana']
const things = ['apples', 'marbles', 'stamps', 'books', 'coins', 'shells']

/**
 * Seeded arithmetic word problems: "X has a things, gets b more and gives c away; then the count is multiplied".
 * @example createWordProblems(200, 1)[0] // { question: 'Ada has 12 coins ...', answer: 34 }
 */
export function createWordProblems(count: number, seed: number): WordProblem[] {
  const random = createRandom(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T
  const int = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1))
  return Array.from({ length: count }, () => {
    const [a, b, c, m] = [int(5, 60), int(1, 40), int(1, 5), int(2, 4)]
    const name = pick(names)
    const thing = pick(things)
    return {
      question: `${name} has ${a} ${thing}, finds ${b} more and gives ${c} away. Then ${name}'s pile is multiplied by ${m}. How many ${thing} does ${name} have now?`,
      answer: (a + b - c) * m,
    }
  })
}

export interface SimulatedModelSettings {
  /** Probability that one solving sample is right. */
  accuracy: number
  /** Probability that one rating is right (high for a right answer, low for a wrong one). */
  raterAccuracy: number
  /** Probability that a solving call which sees earlier answers adopts their majority instead of solving afresh. */
  adoption: number
}

const messageText = (message: Message): string =>
  typeof message.content === 'string' ? message.content : message.content.map((part) => ('text' in part ? part.text : '')).join('\n')
const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))
const statedAnswers = (text: string): number[] => [...text.matchAll(/answer is (-?\d+)/g)].map((match) => Number(match[1]))

/**
 * A Provider that behaves like a model with known accuracy on one word problem. Solving calls state
 * "The answer is N": right with probability `accuracy`, otherwise the one distractor (truth + 1), so a majority
 * vote over k samples is right exactly when the binomial count of right samples wins. Rating and verifying calls
 * see the last answer in the conversation and are right with probability `raterAccuracy`. Structural steps
 * (a numbered plan, example extraction) get fixed replies. Draws happen in call order from a seeded source.
 */
export function createSimulatedModel(problem: WordProblem, settings: SimulatedModelSettings, seed: number): Provider {
  const random = createRandom(seed)
  const solve = (): number => (random() < settings.accuracy ? problem.answer : problem.answer + 1)
  const reply = (request: ModelRequest): string => {
    const texts = request.messages.map(messageText)
    const last = texts.at(-1) ?? ''
    if (/Rating: N|Score: N/.test(last)) {
      const judged = statedAnswers(texts.join('\n')).at(-1)
      const right = judged === problem.answer
      const raterRight = random() < settings.raterAccuracy
      return `Rating: ${right === raterRight ? 8 : 2}`
    }
    if (last.includes('numbered list, one step per line')) return '1. Work out the count step by step.'
    if (last.includes('JSON array')) return '[]'
    const seen = statedAnswers(texts.slice(1).join('\n'))
    if (seen.length > 0 && random() < settings.adoption) {
      const counts = new Map<number, number>()
      for (const answer of seen) counts.set(answer, (counts.get(answer) ?? 0) + 1)
      const majority = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] as number
      return `Going by the work above, the answer is ${majority}.`
    }
    return `Working through it carefully, the answer is ${solve()}.`
  }
  const answer = (request: ModelRequest): { text: string; usage: Usage } => {
    const text = reply(request)
    const promptTokens = estimateTokens(request.messages.map(messageText).join('\n'))
    const completionTokens = estimateTokens(text)
    return { text, usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens } }
  }
  return {
    id: 'simulated',
    async generate(request): Promise<ModelResult> {
      const { text, usage } = answer(request)
      return { metadata: {}, choices: [{ index: 0, text, reasoning: '', refusal: null, toolCalls: [], finishReason: 'stop', logprobs: null, refusalLogprobs: null }], usage }
    },
    async *stream(request): AsyncGenerator<StreamEvent> {
      const { text, usage } = answer(request)
      yield { type: 'text-delta', choice: 0, delta: text }
      yield { type: 'finish', choice: 0, finishReason: 'stop' }
      yield { type: 'usage', usage }
    },
    async listModels() {
      return undefined
    },
  }
}
