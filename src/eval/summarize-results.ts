import type { ItemResult } from './item-result.js'
import { computeCost, findPrice, type PriceTable } from './prices.js'
import { computeMcNemarExactP, computePercentile, computeWilsonInterval } from './statistics.js'

/** One row of results.json `summary`: one approach × model. */
export interface SummaryRow {
  approach: string
  model: string
  items: number
  correct: number
  accuracy: number
  ci_low: number
  ci_high: number
  calls_per_item: number
  tokens_per_item: { prompt: number; completion: number }
  /** USD per item at the model's price; null when the model has no known price. */
  cost_per_item: number | null
  latency_ms_p50: number | null
  latency_ms_p95: number | null
  errors: number
}

/** An approach against `none` on the same model, over the items both answered (a paired test). */
export interface Comparison {
  approach: string
  model: string
  /** Items graded under both. */
  paired: number
  /** Accuracy of the approach minus that of `none` on the paired items. */
  difference: number
  /** Items only `none` got right, and only the approach got right. */
  only_none: number
  only_approach: number
  /** McNemar's exact two-sided p-value. */
  p_value: number
}

/** The judge's own work, counted apart from the approaches'. */
export interface JudgeTotals {
  model: string
  calls: number
  tokens: { prompt: number; completion: number }
  cost: number | null
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits))

/**
 * The summary: one row per approach × model in the order given, means per item, the 95% Wilson interval,
 * latency percentiles over answered items, cost where the model's price is known.
 * @example summarizeResults(rows, ['none', 'moa'], ['gpt-4o-mini'], prices)
 */
export function summarizeResults(rows: ItemResult[], approaches: string[], models: string[], prices: PriceTable): SummaryRow[] {
  return models.flatMap((model) =>
    approaches.map((approach) => {
      const group = rows.filter((row) => row.approach === approach && row.model === model)
      const items = group.length
      const correct = group.filter((row) => row.correct).length
      const [low, high] = computeWilsonInterval(correct, items)
      const mean = (pick: (row: ItemResult) => number): number => (items === 0 ? 0 : group.reduce((sum, row) => sum + pick(row), 0) / items)
      const tokens = {
        prompt: round(
          mean((row) => row.tokens.prompt),
          2,
        ),
        completion: round(
          mean((row) => row.tokens.completion),
          2,
        ),
      }
      const price = findPrice(prices, model)
      const latencies = group.filter((row) => row.error === null).map((row) => row.latency_ms)
      const percentile = (percent: number): number | null => {
        const value = computePercentile(latencies, percent)
        return value === undefined ? null : Math.round(value)
      }
      return {
        approach,
        model,
        items,
        correct,
        accuracy: items === 0 ? 0 : correct / items,
        ci_low: round(low, 4),
        ci_high: round(high, 4),
        calls_per_item: round(
          mean((row) => row.calls),
          3,
        ),
        tokens_per_item: tokens,
        cost_per_item: price === undefined || items === 0 ? null : mean((row) => computeCost(row.tokens, price)),
        latency_ms_p50: percentile(50),
        latency_ms_p95: percentile(95),
        errors: group.filter((row) => row.error !== null).length,
      }
    }),
  )
}

/**
 * Each approach against `none` on the same model: paired over item ids both rows have, with McNemar's exact test.
 * Empty when `none` was not run.
 * @example compareWithNone(rows, ['none', 'moa'], ['gpt-4o-mini'])[0] // { approach: 'moa', difference: 0.08, p_value: 0.04, ... }
 */
export function compareWithNone(rows: ItemResult[], approaches: string[], models: string[]): Comparison[] {
  if (!approaches.includes('none')) return []
  return models.flatMap((model) => {
    const baseline = new Map(rows.filter((row) => row.approach === 'none' && row.model === model).map((row) => [row.id, row.correct]))
    return approaches
      .filter((approach) => approach !== 'none')
      .map((approach) => {
        let paired = 0
        let onlyNone = 0
        let onlyApproach = 0
        for (const row of rows) {
          if (row.approach !== approach || row.model !== model) continue
          const noneCorrect = baseline.get(row.id)
          if (noneCorrect === undefined) continue
          paired++
          if (noneCorrect && !row.correct) onlyNone++
          if (!noneCorrect && row.correct) onlyApproach++
        }
        return {
          approach,
          model,
          paired,
          difference: paired === 0 ? 0 : round((onlyApproach - onlyNone) / paired, 4),
          only_none: onlyNone,
          only_approach: onlyApproach,
          p_value: round(computeMcNemarExactP(onlyNone, onlyApproach), 4),
        }
      })
  })
}

/**
 * The judge's calls, tokens and cost over all rows; undefined without a judge.
 * @example sumJudgeWork(rows, 'gpt-4o', prices) // { model: 'gpt-4o', calls: 120, tokens: {...}, cost: 0.031 }
 */
export function sumJudgeWork(rows: ItemResult[], model: string | undefined, prices: PriceTable): JudgeTotals | undefined {
  if (model === undefined) return undefined
  const tokens = { prompt: 0, completion: 0 }
  let calls = 0
  for (const row of rows) {
    if (row.judge === undefined) continue
    calls += row.judge.calls
    tokens.prompt += row.judge.tokens.prompt
    tokens.completion += row.judge.tokens.completion
  }
  const price = findPrice(prices, model)
  return { model, calls, tokens, cost: price === undefined ? null : computeCost(tokens, price) }
}
