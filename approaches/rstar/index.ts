import { z } from 'zod'
import { answersEquivalent, extractFinalAnswer } from '../shared/answers.js'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { selectByUct } from '../shared/judging.js'
import { createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import { renderProblem } from '../shared/task-prompts.js'

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
  /** Sum of the rewards backed up through the node (the UCT value). */
  value: number
  parent: StepNode | undefined
  children: StepNode[]
  /** For a finished solution: its extracted answer ('' when none could be read). */
  answer?: string
}

const collectSteps = (node: StepNode): string[] => {
  const steps: string[] = []
  for (let current: StepNode | undefined = node; current?.parent !== undefined; current = current.parent) steps.unshift(current.step)
  return steps
}
const agree = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a !== '' && b !== '' && answersEquivalent(a, b)

/**
 * `rstar`, self-play mutual reasoning: rollouts grow a tree of reasoning steps (UCT selection from the judging
 * toolkit, one step per expansion, a finishing step at `max_depth`); a finished solution's reward is the share of
 * finished solutions whose answer means the same. Each distinct finished solution is then checked for mutual
 * consistency: the model continues its first half independently, and the solution counts only when that reaches the
 * same answer. The answer most supported by consistent solutions wins (ties: the earliest finished). Calls: at most
 * rollouts × max_depth, plus one check per finished solution (defaults: at most 15 + 5).
 */
export const rstarApproach = defineApproach({
  id: 'rstar',
  description: 'Tree search over reasoning steps with a mutual-consistency check of the solutions.',
  optionsSchema,
  async *run(context) {
    const { request, options, task } = context
    const problem = renderProblem(task)
    const root: StepNode = { step: '', depth: 0, visits: 0, value: 0, parent: undefined, children: [] }
    const finished: StepNode[] = []
    let calls = 0
    const ask = async (prompt: string, temperature: number, name: string): Promise<string> =>
      readText(await context.generate(createStepRequest(request, [createUserMessage(prompt)], { temperature }), { name, index: calls++ }))
    for (let rollout = 1; rollout <= options.rollouts; rollout++) {
      let node = root
      for (;;) {
        if (node.answer !== undefined) break
        if (node.children.length < options.branching) {
          const steps = collectSteps(node)
          const last = node.depth + 1 >= options.max_depth
          const text = await ask(last ? finishPrompt(problem, steps) : stepPrompt(problem, steps), options.temperature, 'step')
          const child: StepNode = { step: text, depth: node.depth + 1, visits: 0, value: 0, parent: node, children: [] }
          if (last || /answer is/i.test(text)) child.answer = extractFinalAnswer(text) ?? ''
          node.children.push(child)
          node = child
          if (child.answer !== undefined) break
          continue
        }
        node = selectByUct(node.children, node.visits, options.c) as StepNode
      }
      if (node.answer !== undefined && !finished.includes(node)) finished.push(node)
      const agreeing = finished.filter((entry) => agree(entry.answer, node.answer)).length
      const reward = finished.length === 0 ? 0 : agreeing / finished.length
      for (let current: StepNode | undefined = node; current !== undefined; current = current.parent) {
        current.visits++
        current.value += reward
      }
      context.trace(`[rollout ${rollout}] ${collectSteps(node).length} steps, answer ${node.answer || '(none)'}\n`)
      if (node.answer !== undefined) context.offerBest(collectSteps(node).join('\n'))
    }
    const checks = await settleAll(
      finished.map(async (entry, index) => {
        const steps = collectSteps(entry)
        const continued = await ask(checkPrompt(problem, steps.slice(0, Math.floor(steps.length / 2))), 0, 'verification')
        const consistent = agree(extractFinalAnswer(continued), entry.answer)
        context.trace(`[check] answer ${entry.answer || '(none)'}: ${consistent ? 'consistent' : 'inconsistent'}\n`)
        return { entry, index, consistent }
      }),
    )
    const pool = checks.some((check) => check.consistent) ? checks.filter((check) => check.consistent) : checks
    // support per answer, grouped by meaning; the earliest finished solution of the best-supported answer wins
    const groups: Array<{ answer: string; votes: number; first: (typeof pool)[number] }> = []
    for (const check of pool) {
      const answer = check.entry.answer ?? ''
      const group = groups.find((entry) => entry.answer === answer || agree(entry.answer, answer))
      if (group === undefined) groups.push({ answer, votes: 1, first: check })
      else group.votes++
    }
    const winner = groups.reduce<(typeof groups)[number] | undefined>(
      (best, group) => (best === undefined || group.votes > best.votes ? group : best),
      undefined,
    )
    context.record({ kind: 'vote', tally: groups.map((group) => [group.answer, group.votes] as const), winner: winner?.answer })
    if (winner !== undefined) context.record({ kind: 'winner', candidate: winner.first.index, reason: 'most support among mutually consistent solutions' })
    yield* emitAnswer(winner === undefined ? '' : collectSteps(winner.first.entry).join('\n'))
  },
})
