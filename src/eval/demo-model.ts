import { createHash } from 'node:crypto'
import type { Provider } from '../core/provider.js'
import type { Message } from '../core/message.js'
import { createInvalidRequestError, toProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { createSimulatedModel, type SimulatedModelSettings } from '../simulation/simulated-model.js'
import type { EvalItem } from './eval-item.js'
import type { ModelPrice } from './prices.js'

/** The demo's simulated models: a weaker cheap one and a stronger dear one (mean accuracy per sample; illustrative prices). */
export const demoModels: Readonly<Record<string, { settings: SimulatedModelSettings; price: ModelPrice }>> = {
  'sim-small': { settings: { accuracy: 0.55, raterAccuracy: 0.75, adoption: 0.5 }, price: { input: 0.15, output: 0.6 } },
  'sim-large': { settings: { accuracy: 0.75, raterAccuracy: 0.85, adoption: 0.5 }, price: { input: 2.5, output: 10 } },
}

/** The demo's default approaches. */
export const demoApproaches = ['none', 'self_consistency', 'moa']

const readMessageText = (message: Message): string =>
  typeof message.content === 'string' ? message.content : message.content.map((part) => ('text' in part ? part.text : '')).join('\n')

/**
 * The demo's one Provider in front of the simulated models. A call is answered by the simulated model of the sample
 * item whose question its conversation holds, seeded by the item, the model and the conversation (and how often
 * that very conversation was seen), so the draws do not depend on the order concurrent calls arrive in, and the
 * same first call of two approaches draws the same answer. Unknown models and questions fail with a 400.
 * @example startServer(config, { provider: createDemoProvider(items, 1) })
 */
export function createDemoProvider(items: EvalItem[], seed: number): Provider {
  // longest question first: a question that contains another one is found as itself
  const byQuestion = [...items].sort((a, b) => b.question.length - a.question.length)
  const seen = new Map<string, number>()
  const pick = (request: ModelRequest): Provider => {
    const demo = demoModels[request.model]
    if (demo === undefined) throw createInvalidRequestError(`the demo has the models ${Object.keys(demoModels).join(' and ')}`, 'model')
    const conversation = request.messages.map(readMessageText).join('\n')
    const item = byQuestion.find((candidate) => conversation.includes(candidate.question))
    if (item === undefined) throw createInvalidRequestError('the demo answers only the sample questions', 'messages')
    const digest = createHash('sha256')
      .update(JSON.stringify([seed, request.model, item.id, conversation]))
      .digest()
    const occurrence = seen.get(digest.toString('hex')) ?? 0
    seen.set(digest.toString('hex'), occurrence + 1)
    return createItemModel(item, demo.settings, (digest.readUInt32LE(0) + occurrence * 0x9e3779b1) >>> 0)
  }
  return {
    id: 'simulated',
    generate: async (request, options) => pick(request).generate(request, options),
    async *stream(request, options): AsyncGenerator<StreamEvent> {
      let model: Provider
      try {
        model = pick(request)
      } catch (error) {
        yield { type: 'error', error: toProxyError(error) }
        return
      }
      yield* model.stream(request, options)
    },
    async listModels() {
      return Object.keys(demoModels).map((id) => ({ id, ownedBy: 'optiproxy-demo' }))
    },
  }
}

/** One item's simulated model: the question as the model sees it, the expected answer, a letter for multiple choice. */
function createItemModel(item: EvalItem, settings: SimulatedModelSettings, seed: number): Provider {
  return createSimulatedModel(
    { question: item.question, answer: item.expected, ...(item.choices === undefined ? {} : { choices: item.choices }) },
    settings,
    seed,
  )
}
