import { z } from 'zod'
import { isBudgetExhausted } from '../../src/core/budget-exhausted-error.js'
import { isAbortError } from '../../src/core/proxy-error.js'
import { readQuestionText } from '../../src/core/task.js'
import { resolveInnerApproach } from '../shared/resolve-inner-approach.js'
import { createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'
import { classifyByRules, readCategory, routerCategories, type RouterCategory } from './classify-by-rules.js'

const defaultMapping: Record<RouterCategory, string> = {
  math: 'executecode',
  code: 'plansearch',
  logic: 'z3',
  reasoning: 'cot_reflection',
  factual: 're2',
  creative: 'none',
  other: 'none',
}

const optionsSchema = z
  .object({
    /** `classifier`: one small call to `model` names the category, the rules decide when it fails; `rules`: rules only. */
    method: z.enum(['classifier', 'rules']).default('classifier'),
    /** The classifier's model (routed like any model name); the request's model when unset. */
    model: z.string().min(1).max(200).optional(),
    /** Category to approach slug; unset categories keep their default. */
    mapping: z
      .object(Object.fromEntries(routerCategories.map((category) => [category, z.string().min(1).max(64).optional()])))
      .strict()
      .default({}),
    /** Options of the chosen approaches, by slug. */
    approach_options: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .strict()
type RouterOptions = z.infer<typeof optionsSchema>

const classifierPrompt =
  `Classify the request below into exactly one category: ${routerCategories.join(', ')}. ` +
  'math: calculation or quantitative problems; code: programming; logic: puzzles and constraint problems; ' +
  'reasoning: analysis and explanation; factual: questions of fact; creative: writing and ideas; other: anything else. ' +
  'Reply with the category word only.\n\nRequest:\n'

async function classify(context: ApproachContext<RouterOptions>, question: string): Promise<{ category: RouterCategory; method: 'classifier' | 'rules' }> {
  if (context.options.method === 'rules') return { category: classifyByRules(question), method: 'rules' }
  try {
    const request = createStepRequest(context.request, [createUserMessage(`${classifierPrompt}${question.slice(0, 8_000)}`)], {
      temperature: 0,
      maxOutputTokens: 10,
      ...(context.options.model === undefined ? {} : { model: context.options.model }),
    })
    const category = readCategory(readText(await context.generate(request, { name: 'classification' })))
    if (category !== undefined) return { category, method: 'classifier' }
    context.trace('[router] the classifier named no category: using the rules\n')
  } catch (error) {
    if (isAbortError(error) || isBudgetExhausted(error)) throw error
    context.trace(`[router] the classifier call failed (${error instanceof Error ? error.message.slice(0, 200) : 'error'}): using the rules\n`)
  }
  return { category: classifyByRules(question), method: 'rules' }
}

/**
 * `router`: picks the approach for the request from its content. A classifier call (temperature 0, 10 tokens, to
 * `model` or the request's model) names one of math, code, logic, reasoning, factual, creative, other; keyword rules
 * decide when that call fails or names none (or always, with `method: rules`). The category maps to an approach
 * (`mapping`, defaults: math executecode, code plansearch, logic z3, reasoning cot_reflection, factual re2, creative
 * and other none), which then answers. The choice is in the trace and in optiproxy_router_choices_total.
 * Calls: 1 (0 with rules) plus the chosen approach's.
 */
export const routerApproach: Approach<RouterOptions> = {
  id: 'router',
  description: 'Classifies the request (math, code, logic, ...) and runs the approach configured for its category.',
  optionsSchema: optionsSchema as z.ZodType<RouterOptions>,
  async *run(context) {
    const { category, method } = await classify(context, readQuestionText(context.task))
    const slug = context.options.mapping[category] ?? defaultMapping[category]
    const inner = await resolveInnerApproach(slug, context.options.approach_options[slug], ['router'])
    context.trace(`[router] category ${category} (${method}) -> ${slug}\n`)
    context.record({ kind: 'note', text: `router chose ${slug} for ${category} (${method})` })
    context.metrics?.countRouterChoice(category, slug, method)
    yield* inner.approach.run({ ...context, options: inner.options })
  },
}
