import { z } from 'zod'
import type { Message } from '../../src/core/message.js'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer } from '../shared/final-step.js'
import { rateCandidate, ratingPrompt, selectBest, selectByUct } from '../shared/judging.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import type { ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Selection-expansion-evaluation-backup rounds. */
    simulations: z.int().min(1).max(64).default(2),
    /** UCT exploration weight. */
    exploration: z.number().min(0).max(10).default(0.2),
    /** Deepest answer level (1: answers to the request; 2: refinements of those; ...). */
    depth: z.int().min(1).max(8).default(1),
    /** Children drafted when a node is expanded. */
    expansions: z.int().min(1).max(8).default(3),
    temperature: z.number().min(0).max(2).default(1),
  })
  .strict()
type MctsOptions = z.output<typeof optionsSchema>

const refinePrompt = 'Improve the answer above: correct any mistake, fill any gap, and reply with the complete improved answer only.'

interface TreeNode {
  /** The answer at this node; empty at the root (the conversation itself). */
  text: string
  depth: number
  visits: number
  /** Sum of the evaluations backed up through this node, each in [0, 1]. */
  value: number
  parent: TreeNode | undefined
  children: TreeNode[]
  /** Creation order (the tie-break). */
  order: number
}

/** The node's conversation: the request's messages, then each ancestor's answer followed by the refine instruction. */
function buildConversation(base: Message[], node: TreeNode): Message[] {
  const path: TreeNode[] = []
  for (let current: TreeNode | undefined = node; current?.parent !== undefined; current = current.parent) path.unshift(current)
  const messages = [...base]
  for (const step of path) messages.push(createAssistantMessage(step.text), createUserMessage(refinePrompt))
  return messages
}

/** A rating of the node in [0, 1]; undefined when the rating stayed unreadable (then nothing is backed up). */
async function evaluate(context: ApproachContext<MctsOptions>, node: TreeNode): Promise<number | undefined> {
  const messages = [...buildConversation(context.request.messages, node.parent as TreeNode), createAssistantMessage(node.text), createUserMessage(ratingPrompt)]
  // candidates are numbered from 0 in creation order (the root is order 0, so node n is candidate n - 1)
  const score = await rateCandidate(context, { index: node.order - 1, text: node.text }, createStepRequest(context.request, messages, { temperature: 0 }))
  return score === undefined ? undefined : score / 10
}

function backUp(node: TreeNode, value: number): void {
  for (let current: TreeNode | undefined = node; current !== undefined; current = current.parent) {
    current.visits++
    current.value += value
  }
}

/** The child with the highest mean value (tie rules of the judging toolkit: ties to the earliest; unvisited last). */
function selectBestChild(node: TreeNode): TreeNode | undefined {
  return selectBest(node.children.map((child) => ({ index: child.order, score: child.visits === 0 ? undefined : child.value / child.visits, child })))?.child
}

/**
 * `mcts`, Monte Carlo tree search over answers: nodes are answers (deeper nodes refine their parent).
 * Each simulation selects a node by UCT from the root, expands it with `expansions` drafts (concurrently) unless it
 * is at `depth`, evaluates each new child with a rating call (concurrently; a node at `depth` is re-rated instead)
 * and backs the value up (an unreadable rating, re-asked once, backs nothing up). The answer is the end of the path
 * that follows the highest mean value from the root.
 * Calls with the defaults (2 simulations, depth 1, 3 expansions): 3 drafts + 3 ratings + 1 re-rating = 7.
 */
export const mctsApproach = defineApproach({
  id: 'mcts',
  description: 'Monte Carlo tree search over answers and their refinements, rated by the model.',
  optionsSchema,
  async *run(context) {
    const { request, options } = context
    let order = 0
    const root: TreeNode = { text: '', depth: 0, visits: 0, value: 0, parent: undefined, children: [], order: order++ }
    const bestPath = (): TreeNode => {
      let node = root
      for (let next = selectBestChild(node); next !== undefined; next = selectBestChild(node)) node = next
      return node
    }
    for (let simulation = 1; simulation <= options.simulations; simulation++) {
      let node = root
      while (node.children.length > 0) node = selectByUct(node.children, node.visits, options.exploration) as TreeNode
      if (node.depth < options.depth) {
        const parent = node
        const firstOrder = order
        order += options.expansions
        const children = await settleAll(
          Array.from({ length: options.expansions }, async (_, index) => {
            const text = readText(
              await context.generate(createStepRequest(request, buildConversation(request.messages, parent), { temperature: options.temperature }), {
                name: 'candidate',
                index: firstOrder + index - 1,
              }),
            )
            const child: TreeNode = { text, depth: parent.depth + 1, visits: 0, value: 0, parent, children: [], order: firstOrder + index }
            parent.children.push(child)
            if (parent === root && root.children.length === 1) context.offerBest(text)
            return child
          }),
        )
        parent.children.sort((a, b) => a.order - b.order)
        await settleAll(
          children.map(async (child) => {
            const value = await evaluate(context, child)
            if (value !== undefined) backUp(child, value)
            context.trace(
              `[simulation ${simulation}] depth ${child.depth} draft rated ${value === undefined ? 'missing' : value * 10}: ${child.text.slice(0, 120)}\n`,
            )
          }),
        )
      } else {
        const value = await evaluate(context, node)
        if (value !== undefined) backUp(node, value)
        context.trace(`[simulation ${simulation}] re-rated a depth ${node.depth} answer: ${value === undefined ? 'missing' : value * 10}\n`)
      }
      const chosen = bestPath()
      if (chosen !== root) context.offerBest(chosen.text)
    }
    const answer = bestPath()
    context.record({ kind: 'winner', candidate: Math.max(0, answer.order - 1), reason: 'highest mean rating along the tree' })
    yield* emitAnswer(answer.text)
  },
})
