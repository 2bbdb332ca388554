import { setMaxListeners } from 'node:events'
import pLimit from 'p-limit'
import type { ChatClient } from './chat-client.js'
import type { EvalItem } from './eval-item.js'
import type { Grader } from './graders.js'
import { readResultKey, type ItemResult } from './item-result.js'
import type { ResumeLog } from './resume-log.js'

export interface EvalRunInput {
  items: EvalItem[]
  approaches: string[]
  models: string[]
  client: ChatClient
  grader: Grader
  concurrency: number
  log: ResumeLog
  /** Fires on Ctrl-C: nothing new starts, requests in flight are abandoned, finished rows are kept. */
  stop: AbortSignal
  /** Called after each finished row (resumed rows included, once, before the first new one). */
  onProgress?: (progress: EvalProgress) => void
}

export interface EvalProgress {
  done: number
  total: number
  /** Rows taken from an earlier run into the same folder. */
  resumed: number
  /** Correct and finished rows so far, per approach. */
  perApproach: Map<string, { correct: number; done: number }>
}

export interface EvalRunOutcome {
  /** Every finished row of the plan (earlier runs' included), in plan order. */
  rows: ItemResult[]
  /** True when Ctrl-C stopped the run before every row finished. */
  interrupted: boolean
  resumed: number
}

/**
 * Runs every item × approach × model through the client (at most `concurrency` requests at once), grades each answer
 * and appends each finished row to the resume log as it completes. Rows an earlier run finished are skipped.
 * A request that fails becomes a row with its `error` (not correct); a stop abandons what is in flight.
 * @example const { rows } = await runEval({ items, approaches: ['none', 'moa'], models: ['gpt-4o-mini'], client, grader, concurrency: 8, log, stop })
 */
export async function runEval(input: EvalRunInput): Promise<EvalRunOutcome> {
  const { items, approaches, models, log, stop } = input
  const plan = items.flatMap((item) => models.flatMap((model) => approaches.map((approach) => ({ item, approach, model }))))
  const results = new Map<string, ItemResult>()
  const perApproach = new Map(approaches.map((approach) => [approach, { correct: 0, done: 0 }]))
  const count = (row: ItemResult): void => {
    results.set(readResultKey(row), row)
    const tally = perApproach.get(row.approach)
    if (tally === undefined) return
    tally.done++
    if (row.correct) tally.correct++
  }
  const pending = plan.filter(({ item, approach, model }) => {
    const earlier = log.finished.get(readResultKey({ id: item.id, approach, model }))
    if (earlier === undefined) return true
    count(earlier)
    return false
  })
  const resumed = results.size
  const report = (): void => input.onProgress?.({ done: results.size, total: plan.length, resumed, perApproach })
  report()

  const limit = pLimit(input.concurrency)
  const inFlight = new AbortController()
  // every request in flight (and its judge call) listens to it
  setMaxListeners(input.concurrency * 2 + 8, inFlight.signal)
  // queued tasks see the stop and return at once (p-limit's clearQueue would leave their promises unsettled)
  const abandon = (): void => inFlight.abort()
  if (stop.aborted) abandon()
  else stop.addEventListener('abort', abandon, { once: true })
  try {
    await Promise.all(
      pending.map((task) =>
        limit(async () => {
          if (stop.aborted) return
          const row = await runTask(input, task, inFlight.signal)
          if (row === undefined || stop.aborted) return
          await log.append(row)
          count(row)
          report()
        }),
      ),
    )
  } finally {
    stop.removeEventListener('abort', abandon)
  }
  const rows = plan.flatMap(({ item, approach, model }) => results.get(readResultKey({ id: item.id, approach, model })) ?? [])
  return { rows, interrupted: rows.length < plan.length && stop.aborted, resumed }
}

async function runTask(input: EvalRunInput, task: { item: EvalItem; approach: string; model: string }, signal: AbortSignal): Promise<ItemResult | undefined> {
  const { item, approach, model } = task
  const base = { id: item.id, approach, model, expected: item.expected }
  try {
    const outcome = await input.client.complete({ model, approach, messages: item.messages, signal })
    if (outcome.error !== null) {
      return {
        ...base,
        answer: '',
        extracted: null,
        correct: false,
        calls: outcome.calls,
        tokens: outcome.tokens,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
      }
    }
    const grade = await input.grader.grade(item, outcome.text, signal)
    return {
      ...base,
      answer: outcome.text,
      extracted: grade.extracted,
      correct: grade.error === undefined && grade.correct,
      calls: outcome.calls,
      tokens: outcome.tokens,
      latency_ms: outcome.latencyMs,
      error: grade.error ?? null,
      ...(grade.judge === undefined ? {} : { judge: grade.judge }),
    }
  } catch (error) {
    // a stop abandons the request: the row is not finished and runs again on resume
    if (signal.aborted) return undefined
    const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error)
    return { ...base, answer: '', extracted: null, correct: false, calls: 0, tokens: { prompt: 0, completion: 0 }, latency_ms: 0, error: message.slice(0, 500) }
  }
}
