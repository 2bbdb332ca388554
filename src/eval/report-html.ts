import type { ReportCharts } from './report-charts.js'
import type { ReportContext } from './report-markdown.js'
import type { Comparison, SummaryRow } from './summarize-results.js'

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`
const formatCost = (value: number | null): string => (value === null ? 'n/a' : value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(4)}`)

const style = `
:root { color-scheme: light; --ink: #16181d; --muted: #5d6470; --line: #e3e6eb; --accent: #2f6fde; --good: #16794a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 12px; }
.meta { color: var(--muted); margin: 0 0 20px; }
.warning { background: #fff4d6; border: 1px solid #f0d48a; padding: 10px 14px; border-radius: 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 650; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
th, td { padding: 8px 10px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { background: #fafbfc; color: var(--muted); font-weight: 600; font-size: 12px; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr:last-child td { border-bottom: none; }
td.best { color: var(--good); font-weight: 650; }
.yes { color: var(--good); font-weight: 600; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px; overflow-x: auto; }
.charts { display: grid; gap: 16px; }
.note { color: var(--muted); font-size: 13px; }
`

/**
 * report.html: one self-contained file (inline CSS and the charts' SVG, no script, nothing fetched): headline cards,
 * the summary table, the comparison with `none`, and the three charts.
 * @example await writeFile('out/report.html', renderHtmlReport(summary, comparisons, charts, context))
 */
export function renderHtmlReport(summary: SummaryRow[], comparisons: Comparison[], charts: ReportCharts, context: ReportContext): string {
  const answered = summary.filter((row) => row.items > 0)
  const best = answered.reduce<SummaryRow | undefined>((top, row) => (top === undefined || row.accuracy > top.accuracy ? row : top), undefined)
  const priced = answered.filter((row) => row.cost_per_item !== null)
  const cheapest = priced.reduce<SummaryRow | undefined>(
    (low, row) => (low === undefined || (row.cost_per_item as number) < (low.cost_per_item as number) ? row : low),
    undefined,
  )
  const significant = comparisons.filter((row) => row.p_value < 0.05 && row.difference > 0)
  const cards = [
    [
      'Most accurate',
      best === undefined ? 'n/a' : `${best.approach} · ${best.model}`,
      best === undefined ? '' : `${percent(best.accuracy)} (${percent(best.ci_low)} – ${percent(best.ci_high)})`,
    ],
    [
      'Cheapest per item',
      cheapest === undefined ? 'n/a' : `${cheapest.approach} · ${cheapest.model}`,
      cheapest === undefined ? 'no known prices' : `${formatCost(cheapest.cost_per_item)} at ${percent(cheapest.accuracy)}`,
    ],
    ['Beat none significantly', String(significant.length), significant.map((row) => `${row.approach} · ${row.model}`).join(', ') || 'none at p < 0.05'],
    ['Items', String(Math.max(0, ...answered.map((row) => row.items))), `${answered.length} approach × model rows`],
  ]
  const topAccuracy = Math.max(0, ...answered.map((row) => row.accuracy))
  const summaryRows = summary
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.approach)}</td><td>${escapeHtml(row.model)}</td><td${row.items > 0 && row.accuracy === topAccuracy ? ' class="best"' : ''}>${percent(row.accuracy)}</td><td>${percent(row.ci_low)} – ${percent(row.ci_high)}</td><td>${row.correct}/${row.items}</td><td>${row.calls_per_item.toFixed(2)}</td><td>${Math.round(row.tokens_per_item.prompt)} + ${Math.round(row.tokens_per_item.completion)}</td><td>${formatCost(row.cost_per_item)}</td><td>${row.latency_ms_p50 ?? 'n/a'}</td><td>${row.latency_ms_p95 ?? 'n/a'}</td><td>${row.errors}</td></tr>`,
    )
    .join('\n')
  const comparisonRows = comparisons
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.approach)}</td><td>${escapeHtml(row.model)}</td><td>${row.difference >= 0 ? '+' : ''}${(row.difference * 100).toFixed(1)} pts</td><td>${row.paired}</td><td>${row.only_none}</td><td>${row.only_approach}</td><td>${row.p_value < 0.0001 ? '&lt; 0.0001' : row.p_value.toFixed(4)}</td><td class="${row.p_value < 0.05 ? 'yes' : ''}">${row.p_value < 0.05 ? 'yes' : 'no'}</td></tr>`,
    )
    .join('\n')
  const judge = context.judge
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>optiproxy eval report</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>Is it worth it? optiproxy eval</h1>
<p class="meta">Data: ${escapeHtml(context.data)} · grader: ${escapeHtml(context.grader)} · ${escapeHtml(context.generatedAt)}</p>
${context.interrupted ? '<p class="warning">The run was interrupted: the figures cover the rows that finished. Run again with the same <code>--out</code> to finish it.</p>' : ''}
<section class="cards">
${cards.map(([label, value, detail]) => `<div class="card"><div class="label">${escapeHtml(label as string)}</div><div class="value">${escapeHtml(value as string)}</div><div class="note">${escapeHtml(detail as string)}</div></div>`).join('\n')}
</section>
<h2>Summary</h2>
<table id="summary">
<thead><tr><th>approach</th><th>model</th><th>accuracy</th><th>95% CI</th><th>correct</th><th>calls/item</th><th>tokens/item (in + out)</th><th>cost/item</th><th>p50 ms</th><th>p95 ms</th><th>errors</th></tr></thead>
<tbody>
${summaryRows}
</tbody>
</table>
<p class="note">Accuracy with its 95% Wilson interval; calls, tokens and cost are means per item. A failed request counts as not correct and as an error.</p>
${
  comparisons.length === 0
    ? ''
    : `<h2>Difference from none</h2>
<table id="comparisons">
<thead><tr><th>approach</th><th>model</th><th>vs none</th><th>paired items</th><th>only none right</th><th>only approach right</th><th>McNemar's exact p</th><th>significant at 5%</th></tr></thead>
<tbody>
${comparisonRows}
</tbody>
</table>
<p class="note">Paired over the items both answered; McNemar's exact test counts only the items where the two disagree.</p>`
}
<h2>Charts</h2>
<div class="charts">
<figure id="chart-accuracy">${charts.accuracy}</figure>
${charts.costAccuracy === undefined ? '<p class="note">No model has a known price: the accuracy-against-cost chart needs prices (see --prices).</p>' : `<figure id="chart-cost-accuracy">${charts.costAccuracy}</figure>`}
<figure id="chart-latency">${charts.latency}</figure>
</div>
${judge === undefined ? '' : `<h2>The judge</h2><p>The judge (${escapeHtml(judge.model)}) made ${judge.calls} calls with ${judge.tokens.prompt} prompt and ${judge.tokens.completion} completion tokens, costing ${formatCost(judge.cost)}; not included above.</p>`}
<p class="note">Prices: ${escapeHtml(context.pricesNote)}</p>
</main>
</body>
</html>
`
}
