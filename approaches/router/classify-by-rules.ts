/** The categories the router knows; each maps to an approach. */
export const routerCategories = ['math', 'code', 'logic', 'reasoning', 'factual', 'creative', 'other'] as const
export type RouterCategory = (typeof routerCategories)[number]

/** In order: the first category whose pattern matches wins. Every pattern is linear (no nested quantifiers). */
const rules: Array<[RouterCategory, RegExp]> = [
  [
    'code',
    /```|\b(?:def|function|class|import|const|return)\b[^\n]{0,200}[(){}:;]|\b(?:python|javascript|typescript|java|rust|golang|sql|regex|compile|stack trace|bug|refactor|unit test)\b/i,
  ],
  [
    'logic',
    /\b(?:puzzle|constraints?|satisf(?:y|iable)|schedul(?:e|ing)|knights? and knaves?|liars?|truth-?tellers?|sudoku|seating|assign(?:ment)?[^\n]{0,200}such that)\b/i,
  ],
  [
    'math',
    /\d\s*[-+*/^=]\s*\d|\b(?:calculate|compute|solve|equation|integral|derivative|probability|sum of|product of|how many|remainder|prime|percent(?:age)?|average)\b/i,
  ],
  ['creative', /\b(?:poem|story|haiku|song|lyrics|slogan|limerick|fiction|imagine|creative)\b/i],
  ['factual', /^\s*(?:who|when|where|which|what (?:is|was|are|were) the)\b|\b(?:capital of|population of|founded|born in|invented)\b/i],
  ['reasoning', /\b(?:why|explain|compare|pros and cons|should i|trade-?offs?|analy[sz]e|reason)\b/i],
]

/**
 * The rules fallback: keyword and shape patterns over the question, `other` when none matches.
 * @example classifyByRules('What is 17 * 23?') // 'math'
 */
export function classifyByRules(question: string): RouterCategory {
  const text = question.slice(0, 20_000)
  for (const [category, pattern] of rules) if (pattern.test(text)) return category
  return 'other'
}

/**
 * The first category named in a classifier's reply, or undefined.
 * @example readCategory('Category: math.') // 'math'
 */
export function readCategory(reply: string): RouterCategory | undefined {
  const words =
    reply
      .toLowerCase()
      .slice(0, 200)
      .match(/[a-z]+/g) ?? []
  const isCategory = (word: string): word is RouterCategory => (routerCategories as readonly string[]).includes(word)
  return words.find(isCategory) as RouterCategory | undefined
}
