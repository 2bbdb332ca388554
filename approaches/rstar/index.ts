import { z } from 'zod'
import { extractFinalAnswer } from '../shared/answers.js'
import { emitAnswer } from '../shared/final-step.js'
import { createStepRequest, createUserMessage, readLastUserText, readText, settleAll } from '../shared/requests.js'
import type { Approach } from '../types.js'

const optionsSchema = z
  .object({
    /** Rollouts: each walks the tree from the root to a finished solution. */
    rollouts: z.int().min(1).max(32).default(5),
    /** Reasoning steps before a solution must be finished. */
    max_depth: z.int().min(1).max(8).default(3),
    /** UCT exploration constant. */
    c: z.number().min(0).max(10).default(1.4),
    /** Children a node may get before rollouts must choose among them. */
    branching: z.int().min(1).max(6).default(2),
    temperature: z.number().min(0).max(2).default(0.8),
  })
  .strict()
type RstarOptions = z.infer<typeof optionsSchema>

const stepPrompt = (problem: string, steps: string[]): string =>
  `Problem:\n${problem}\n\n${steps.length > 0 ? `Steps so far:\n${steps.map((step, index) => `${index + 1}. ${step}`).join('\n')}\n\n` : ''}` +
  'Write only the next single reasoning step. If that step reaches the result, end it with "The answer is <answer>."'
const finishPrompt = (problem: string, steps: string[]): string =>
  `Problem:\n${problem}\n\nSteps so far:\n${steps.map((step, index) => `${index + 1}. ${step}`).join('\n')}\n\n` +
  'Complete the solution from here and end with "The answer is <answer>."'
const checkPrompt = (problem: string, prefix: string[]): string =>
  `Problem:\n${problem}\n\nThe first steps of a solution:\n${prefix.map((step, index) => `${index + 1}. ${step}`).join('\n') || '(none)'}\n\n` +
  'Continue these steps to the end independently and end with "The answer is <answer>."'

interface StepNode {
  step: string
  depth: number
  visits: number
  reward: number
  parent: StepNode | undefined
  children: StepNode[]
  /** For a finished solution: its extracted answer. */
  answer?: string
}

const collectSteps = (node: StepNode): string[] => {
  const steps: string[] = []
  for (let current: StepNode | undefined = node; current?.parent !== undefined; current = current.parent) steps.unshift(current.step)
  return steps
}

/**
 * `rstar`, self-play mutual reasoning: rollouts grow a tree of reasoning steps (UCT selection, one step per
 * expansion, a finishing step at `max_depth`); a finished solution's reward is the share of finished solutions that
 * agree with its answer. Each distinct finished solution is then checked for mutual consistency: the model
 * continues its first half independently, and the solution counts only when that reaches the same answer. The
 * answer most supported by consistent solutions wins. Calls: at most rollouts × max_depth, plus one check per
 * finished solution (defaults: at most 15 + 5).
 */
export const rstarApproach: Approach<RstarOptions> = {
  id: 'rstar',
  description: 'Tree search over reasoning steps with a mutual-consistency check of the solutions.',
  optionsSchema: optionsSchema as z.ZodType<RstarOptions>,
  async *run(context) {
    const { request, options } = context
    const problem = readLastUserText(request.messages)
    const root: StepNode = { step: '', depth: 0, visits: 0, reward: 0, parent: undefined, children: [] }
    const finished: StepNode[] = []
    const ask = async (prompt: string, temperature: number): Promise<string> => readText(await context.generate(createStepRequest(request, [createUserMessage(prompt)], { temperature })))
    for (let rollout = 1; rollout <= options.rollouts; rollout++) {
      let node = root
      for (;;) {
        if (node.answer !== undefined) break
        if (node.children.length < options.branching) {
          const steps = collectSteps(node)
          const last = node.depth + 1 >= options.max_depth
          const text = await ask(last ? finishPrompt(problem, steps) : stepPrompt(problem, steps), options.temperature)
          const child: StepNode = { step: text, depth: node.depth + 1, visits: 0, reward: 0, parent: node, children: [] }
          const answer = extractFinalAnswer(text)
          if (last || /answer is/i.test(text)) child.answer = answer ?? ''
          node.children.push(child)
          node = child
          if (child.answer !== undefined) break
          continue
        }
        const parent = node
        node = parent.children.reduce((best, child) => (computeUct(child, parent, options.c) > computeUct(best, parent, options.c) ? child : best))
      }
      if (node.answer !== undefined && !finished.includes(node)) finished.push(node)
      const agreeing = finished.filter((entry) => entry.answer === node.answer).length
      const reward = node.answer === undefined || finished.length === 0 ? 0 : agreeing / finished.length
      for (let current: StepNode | undefined = node; current !== undefined; current = current.parent) {
        current.visits++
        current.reward += reward
      }
      context.trace(`[rollout ${rollout}] ${collectSteps(node).length} steps, answer ${node.answer ?? '(none)'}\n`)
      if (node.answer !== undefined) context.offerBest(collectSteps(node).join('\n'))
    }
    const checks = await settleAll(
      finished.map(async (entry) => {
        const steps = collectSteps(entry)
        const continued = await ask(checkPrompt(problem, steps.slice(0, Math.floor(steps.length / 2))), 0)
        const consistent = extractFinalAnswer(continued) === entry.answer
        context.trace(`[check] answer ${entry.answer}: ${consistent ? 'consistent' : 'inconsistent'}\n`)
        return { entry, consistent }
      }),
    )
    const pool = checks.some((check) => check.consistent) ? checks.filter((check) => check.consistent) : checks
    const support = new Map<string, number>()
    for (const { entry } of pool) support.set(entry.answer ?? '', (support.get(entry.answer ?? '') ?? 0) + 1)
    const winner = pool.reduce<(typeof pool)[number] | undefined>((best, check) => (best === undefined || (support.get(check.entry.answer ?? '') ?? 0) > (support.get(best.entry.answer ?? '') ?? 0) ? check : best), undefined)
    yield* emitAnswer(winner === undefined ? '' : collectSteps(winner.entry).join('\n'))
  },
}

function computeUct(child: StepNode, parent: StepNode, c: number): number {
  if (child.visits === 0) return Infinity
  return child.reward / child.visits + c * Math.sqrt(Math.log(parent.visits) / child.visits)
}
