import type { Comparison, JudgeTotals, SummaryRow } from './summarize-results.js'

export interface ReportContext {
  /** Data file (or "sample dataset") and grader, as shown in the report's header. */
  data: string
  grader: string
  generatedAt: string
  /** The date of the built-in prices, and whether `--prices` changed any. */
  pricesNote: string
  judge?: JudgeTotals
  /** True when Ctrl-C stopped the run: the figures cover the rows that finished. */
  interrupted: boolean
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`
const formatCost = (value: number | null): string => (value === null ? 'n/a' : value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(4)}`)
const formatMs = (value: number | null): string => (value === null ? 'n/a' : `${value}`)

/**
 * The summary as a Markdown table (one row per approach × model).
 * @example formatSummaryTable(summary) // '| approach | model | accuracy | ...'
 */
export function formatSummaryTable(summary: SummaryRow[]): string {
  const header = ['approach', 'model', 'accuracy', '95% CI', 'correct', 'calls/item', 'tokens/item (in+out)', 'cost/item', 'p50 ms', 'p95 ms', 'errors']
  const lines = summary.map((row) => [
    row.approach,
    row.model,
    percent(row.accuracy),
    `${percent(row.ci_low)} – ${percent(row.ci_high)}`,
    `${row.correct}/${row.items}`,
    row.calls_per_item.toFixed(2),
    `${Math.round(row.tokens_per_item.prompt)} + ${Math.round(row.tokens_per_item.completion)}`,
    formatCost(row.cost_per_item),
    formatMs(row.latency_ms_p50),
    formatMs(row.latency_ms_p95),
    String(row.errors),
  ])
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/**
 * The comparisons with `none` as a Markdown table.
 * @example formatComparisonTable(comparisons) // '| approach | model | vs none | ...'
 */
export function formatComparisonTable(comparisons: Comparison[]): string {
  const header = ['approach', 'model', 'vs none', 'paired items', 'only none right', 'only approach right', "McNemar's exact p", 'significant at 5%']
  const lines = comparisons.map((row) => [
    row.approach,
    row.model,
    `${row.difference >= 0 ? '+' : ''}${(row.difference * 100).toFixed(1)} pts`,
    String(row.paired),
    String(row.only_none),
    String(row.only_approach),
    row.p_value < 0.0001 ? '< 0.0001' : row.p_value.toFixed(4),
    row.p_value < 0.05 ? 'yes' : 'no',
  ])
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/**
 * report.md: the summary table, the paired comparison with `none`, the judge's own cost, and how to read them.
 * @example await writeFile('out/report.md', renderMarkdownReport(summary, comparisons, context))
 */
export function renderMarkdownReport(summary: SummaryRow[], comparisons: Comparison[], context: ReportContext): string {
  const parts = [
    '# optiproxy eval report',
    '',
    `Data: ${context.data} · grader: ${context.grader} · ${context.generatedAt}`,
    ...(context.interrupted
      ? ['', '**The run was interrupted: the figures cover the rows that finished. Run again with the same `--out` to finish it.**']
      : []),
    '',
    '## Summary',
    '',
    formatSummaryTable(summary),
    '',
    'Accuracy with its 95% Wilson interval; calls, tokens and cost are means per item (an approach makes several upstream calls per item). A request that failed counts as not correct and as an error.',
    '',
  ]
  if (comparisons.length > 0) {
    parts.push(
      '## Difference from `none`',
      '',
      formatComparisonTable(comparisons),
      '',
      "Paired over the items both answered: McNemar's exact test looks only at the items where the two disagree. A p-value above 0.05 means the difference could well be chance at this many items.",
      '',
    )
  }
  if (context.judge !== undefined) {
    const { judge } = context
    parts.push(
      '## The judge',
      '',
      `The judge (${judge.model}) made ${judge.calls} calls with ${judge.tokens.prompt} prompt and ${judge.tokens.completion} completion tokens, costing ${formatCost(judge.cost)}; this is not in the approaches' figures above.`,
      '',
    )
  }
  parts.push(`Prices: ${context.pricesNote}`, '')
  return parts.join('\n')
}
