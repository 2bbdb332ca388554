import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ItemResult } from './item-result.js'
import type { PriceTable } from './prices.js'
import { renderCharts } from './report-charts.js'
import { renderHtmlReport } from './report-html.js'
import { renderMarkdownReport, type ReportContext } from './report-markdown.js'
import { compareWithNone, summarizeResults, sumJudgeWork, type Comparison, type JudgeTotals, type SummaryRow } from './summarize-results.js'

export interface EvalReport {
  summary: SummaryRow[]
  comparisons: Comparison[]
  judge?: JudgeTotals
}

export interface WriteReportsInput {
  out: string
  rows: ItemResult[]
  approaches: string[]
  models: string[]
  prices: PriceTable
  /** The judge model with `--grader judge:<model>`. */
  judgeModel?: string
  context: Omit<ReportContext, 'judge'>
}

/**
 * Writes results.json (`summary`, `comparisons`, `judge` when there is one, and `items`), report.md and report.html
 * into the output folder, and returns the figures.
 * @example const { summary } = await writeReports({ out, rows, approaches, models, prices, context })
 */
export async function writeReports(input: WriteReportsInput): Promise<EvalReport> {
  const { rows, approaches, models, prices } = input
  const summary = summarizeResults(rows, approaches, models, prices)
  const comparisons = compareWithNone(rows, approaches, models)
  const judge = sumJudgeWork(rows, input.judgeModel, prices)
  const context: ReportContext = { ...input.context, ...(judge === undefined ? {} : { judge }) }
  const results = {
    generated_at: context.generatedAt,
    data: context.data,
    grader: context.grader,
    interrupted: context.interrupted,
    summary,
    comparisons,
    ...(judge === undefined ? {} : { judge }),
    items: rows,
  }
  const charts = await renderCharts(summary)
  await writeFile(join(input.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(join(input.out, 'report.md'), renderMarkdownReport(summary, comparisons, context))
  await writeFile(join(input.out, 'report.html'), renderHtmlReport(summary, comparisons, charts, context))
  return { summary, comparisons, ...(judge === undefined ? {} : { judge }) }
}
