import { createRandom } from './random.js'

export interface WordProblem {
  question: string
  answer: number
}

const names = ['Ada', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Goran', 'Hana']
const things = ['apples', 'marbles', 'stamps', 'books', 'coins', 'shells']

/**
 * Seeded arithmetic word problems: "X has a things, finds b more and gives c away; then the pile is multiplied".
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
