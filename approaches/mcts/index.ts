import { z } from 'zod'
import { readRating } from '../shared/answers.js'
import { emitAnswer } from '../shared/final-step.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText, settleAll } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../types.js'
import type { Message } from '../../src/core/message.js'

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
type MctsOptions = z.infer<typeof optionsSchema>

const refinePrompt = 'Improve the answer above: correct any mistake, fill any gap, and reply with the complete improved answer only.'
const ratePrompt = 'Rate the reply you just gave for correctness and helpfulness. End with "Rating: N", N from 0 to 10.'

interface TreeNode {
  /** The answer at this node; empty at the root (the conversation itself). */
  text: string
  depth: number
  visits: number
  /** Sum of the evaluations backed up through this node, each in [0, 1]. */
  value: number
  parent: TreeNode | undefined
  children: TreeNode[]
  order: number
}

const computeMean = (node: TreeNode): number => (node.visits === 0 ? 0 : node.value / node.visits)

/** UCT: mean value plus the exploration bonus; an unvisited child first. Ties: the earliest child. */
function selectChild(node: TreeNode, exploration: number): TreeNode {
  let best = node.children[0] as TreeNode
  let bestScore = -Infinity
  for (const child of node.children) {
    const score = child.visits === 0 ? Infinity : computeMean(child) + exploration * Math.sqrt(Math.log(node.visits) / child.visits)
    if (score > bestScore) {
      best = child
      bestScore = score
    }
  }
  return best
}

/** The node's conversation: the request's messages, then each ancestor's answer followed by the refine instruction. */
function buildConversation(base: Message[], node: TreeNode): Message[] {
  const path: TreeNode[] = []
  for (let current: TreeNode | undefined = node; current?.parent !== undefined; current = current.parent) path.unshift(current)
  const messages = [...base]
  for (const step of path) messages.push(createAssistantMessage(step.text), createUserMessage(refinePrompt))
  return messages
}

async function evaluate(context: ApproachContext<MctsOptions>, node: TreeNode): Promise<number> {
  const messages = [...buildConversation(context.request.messages, node.parent as TreeNode), createAssistantMessage(node.text), createUserMessage(ratePrompt)]
  const rating = readRating(readText(await context.generate(createStepRequest(context.request, messages, { temperature: 0 })))) ?? 0
  return rating / 10
}

function backUp(node: TreeNode, value: number): void {
  for (let current: TreeNode | undefined = node; current !== undefined; current = current.parent) {
    current.visits++
    current.value += value
  }
}

/**
 * `mcts`, Monte Carlo tree search over answers: nodes are answers (deeper nodes refine their parent).
 * Each simulation selects a node by UCT from the root, expands it with `expansions` drafts (concurrently) unless it
 * is at `depth`, evaluates each new child with a rating call (concurrently; a node at `depth` is re-rated instead)
 * and backs the value up. The answer is the end of the path that follows the highest mean value from the root.
 * Calls with the defaults (2 simulations, depth 1, 3 expansions): 3 drafts + 3 ratings + 1 re-rating = 7.
 */
export const mctsApproach: Approach<MctsOptions> = {
  id: 'mcts',
  description: 'Monte Carlo tree search over answers and their refinements, rated by the model.',
  optionsSchema: optionsSchema as z.ZodType<MctsOptions>,
  async *run(context) {
    const { request, options } = context
    let order = 0
    const root: TreeNode = { text: '', depth: 0, visits: 0, value: 0, parent: undefined, children: [], order: order++ }
    const bestPath = (): TreeNode => {
      let node = root
      while (node.children.length > 0) {
        node = node.children.reduce((best, child) => (computeMean(child) > computeMean(best) || (computeMean(child) === computeMean(best) && child.visits > best.visits) ? child : best))
      }
      return node
    }
    for (let simulation = 1; simulation <= options.simulations; simulation++) {
      let node = root
      while (node.children.length > 0) node = selectChild(node, options.exploration)
      if (node.depth < options.depth) {
        const parent = node
        const firstOrder = order
        order += options.expansions
        const children = await settleAll(
          Array.from({ length: options.expansions }, async (_, index) => {
            const text = readText(await context.generate(createStepRequest(request, buildConversation(request.messages, parent), { temperature: options.temperature })))
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
            backUp(child, value)
            context.trace(`[simulation ${simulation}] depth ${child.depth} draft rated ${value * 10}: ${child.text.slice(0, 120)}\n`)
          }),
        )
      } else {
        const value = await evaluate(context, node)
        backUp(node, value)
        context.trace(`[simulation ${simulation}] re-rated a depth ${node.depth} answer: ${value * 10}\n`)
      }
      const chosen = bestPath()
      if (chosen !== root) context.offerBest(chosen.text)
    }
    yield* emitAnswer(bestPath().text)
  },
}
