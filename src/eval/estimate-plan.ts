import { createTextReplyProvider } from '../simulation/create-text-reply-provider.js'
import type { Approach } from '../core/approach.js'
import type { Provider } from '../core/provider.js'
import type { SettingDefaults } from '../approach-runtime/request-settings.js'
import type { Message } from '../core/message.js'
import { foldStreamEvents } from '../core/model-result.js'
import { startApproach } from '../approach-runtime/run-approach.js'
import type { DatasetMessage, EvalItem } from './eval-item.js'
import { computeCost, findPrice, type PriceTable } from './prices.js'

/** What one approach × model is expected to spend over the whole dataset. */
export interface PlannedRow {
  approach: string
  model: string
  items: number
  calls: number
  tokens: { prompt: number; completion: number }
  /** USD; null when the model has no known price. */
  cost: number | null
}

/** The reply length a dry run assumes for every call, in tokens. */
export const assumedReplyTokens = 300
/** Items a dry run walks each approach through (the mean is scaled to the whole dataset). */
const probedItems = 5

/**
 * A dry run's plan: each approach runs, in-process with the configured approach settings, against a stand-in model
 * that spends nothing and answers every call with a reply of assumedReplyTokens tokens, on the first few items; its
 * calls and tokens (about four characters a token) are scaled to the whole dataset and priced. An estimate: real
 * replies differ in length and some approaches stop early or branch on what the model says.
 * @example const rows = await estimatePlan(items, ['none', 'moa'], ['gpt-4o-mini'], registry, defaults, prices)
 */
export async function estimatePlan(
  items: EvalItem[],
  approaches: string[],
  models: string[],
  registry: ReadonlyMap<string, Approach<unknown>>,
  defaults: SettingDefaults,
  prices: PriceTable,
): Promise<PlannedRow[]> {
  const probes = items.slice(0, probedItems)
  const perApproach = new Map<string, { calls: number; prompt: number; completion: number }>()
  for (const approach of approaches) {
    const total = { calls: 0, prompt: 0, completion: 0 }
    for (const item of probes) {
      const provider = createStandInModel(total)
      const started = startApproach(
        { provider, registry, defaultApproach: 'none', approachDefaults: { ...defaults, trace: false } },
        { request: { model: 'dry-run', messages: item.messages.map(convertMessage), extra: {} }, approachField: approach, streaming: false },
        { signal: new AbortController().signal },
      )
      await foldStreamEvents(started.events)
    }
    perApproach.set(approach, total)
  }
  return models.flatMap((model) =>
    approaches.map((approach) => {
      const total = perApproach.get(approach) ?? { calls: 0, prompt: 0, completion: 0 }
      const scale = probes.length === 0 ? 0 : items.length / probes.length
      const tokens = { prompt: Math.round(total.prompt * scale), completion: Math.round(total.completion * scale) }
      const price = findPrice(prices, model)
      return {
        approach,
        model,
        items: items.length,
        calls: Math.round(total.calls * scale),
        tokens,
        cost: price === undefined ? null : computeCost(tokens, price),
      }
    }),
  )
}

function convertMessage(message: DatasetMessage): Message {
  const text = typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('\n')
  if (message.role === 'assistant') return { role: 'assistant', content: [{ type: 'text', text }] }
  if (message.role === 'user') return { role: 'user', content: [{ type: 'text', text }] }
  return { role: 'system', content: text, ...(message.role === 'developer' ? { developer: true } : {}) }
}

function createStandInModel(total: { calls: number; prompt: number; completion: number }): Provider {
  // assumedReplyTokens tokens at four characters each, ending like a worked answer (and a rating, for raters)
  const ending = ' Rating: 7. The answer is 42.'
  const reply = `${'Working through the question step by step. '.repeat(assumedReplyTokens).slice(0, assumedReplyTokens * 4 - ending.length)}${ending}`
  return createTextReplyProvider(
    'dry-run',
    () => reply,
    (usage) => {
      total.calls++
      total.prompt += usage.promptTokens
      total.completion += usage.completionTokens
    },
  )
}
