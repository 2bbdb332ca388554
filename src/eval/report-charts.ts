import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { findParetoFront } from './statistics.js'
import type { SummaryRow } from './summarize-results.js'

export interface ReportCharts {
  accuracy: string
  /** Absent when no model has a known price. */
  costAccuracy?: string
  latency: string
}

const schema = 'https://vega.github.io/schema/vega-lite/v6.json'
const font = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif'
const config = {
  font,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eceff3' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 },
}

/**
 * The report's charts, made with Vega-Lite and rendered to SVG in Node (no browser, no canvas): accuracy with its
 * 95% interval per approach and model; accuracy against cost per item with the Pareto front marked; latency p50/p95.
 * @example const { accuracy } = await renderCharts(summary)
 */
export async function renderCharts(summary: SummaryRow[]): Promise<ReportCharts> {
  const rows = summary.filter((row) => row.items > 0)
  // facets and colours in the order the command named them
  const models = [...new Set(rows.map((row) => row.model))]
  const approachOrder = [...new Set(rows.map((row) => row.approach))]
  const color = (legend: boolean) => ({ field: 'approach', type: 'nominal' as const, scale: { domain: approachOrder }, ...(legend ? {} : { legend: null }) })
  const accuracy = await renderSpec({
    $schema: schema,
    config,
    title: 'Accuracy with 95% interval',
    data: { values: rows.map((row) => ({ approach: row.approach, model: row.model, accuracy: row.accuracy, low: row.ci_low, high: row.ci_high })) },
    facet: { row: { field: 'model', type: 'nominal', title: null, sort: models } },
    spec: {
      width: 420,
      height: { step: 26 },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y: { field: 'approach', type: 'nominal', sort: null, title: null },
            x: { field: 'low', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '.0%' }, title: 'accuracy' },
            x2: { field: 'high' },
            color: color(false),
          },
        },
        {
          mark: { type: 'point', filled: true, size: 80 },
          encoding: {
            y: { field: 'approach', type: 'nominal', sort: null },
            x: { field: 'accuracy', type: 'quantitative' },
            color: color(false),
            tooltip: [{ field: 'accuracy', format: '.1%' }],
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 10 },
          encoding: {
            y: { field: 'approach', type: 'nominal', sort: null },
            x: { field: 'accuracy', type: 'quantitative' },
            text: { field: 'accuracy', format: '.1%' },
          },
        },
      ],
    },
  })
  const priced = rows.filter((row) => row.cost_per_item !== null)
  const front = new Set(findParetoFront(priced.map((row) => ({ cost: row.cost_per_item as number, accuracy: row.accuracy }))))
  // costs often span orders of magnitude (one call against many): a log axis when every cost is above zero
  const logScale = priced.length > 0 && priced.every((row) => (row.cost_per_item as number) > 0)
  const points = priced.map((row, index) => ({
    label: `${row.approach} · ${row.model}`,
    approach: row.approach,
    model: row.model,
    cost: row.cost_per_item as number,
    accuracy: row.accuracy,
    pareto: front.has(index) ? 'on the Pareto front' : 'dominated',
  }))
  const costAccuracy =
    points.length === 0
      ? undefined
      : await renderSpec({
          $schema: schema,
          // the legend below: point labels near the right edge stay readable
          config: { ...config, legend: { ...config.legend, orient: 'bottom', direction: 'horizontal' } },
          title: 'Accuracy against cost per item (Pareto front joined)',
          width: 520,
          height: 320,
          data: { values: points },
          layer: [
            {
              transform: [{ filter: "datum.pareto === 'on the Pareto front'" }],
              mark: { type: 'line', strokeDash: [6, 4], color: '#555' },
              encoding: {
                x: { field: 'cost', type: 'quantitative', sort: 'ascending' },
                y: { field: 'accuracy', type: 'quantitative' },
                order: { field: 'cost' },
              },
            },
            {
              mark: { type: 'point', filled: true, size: 110 },
              encoding: {
                x: {
                  field: 'cost',
                  type: 'quantitative',
                  title: `cost per item (USD${logScale ? ', log scale' : ''})`,
                  scale: logScale ? { type: 'log' } : { zero: true },
                  axis: { format: '$.2~g' },
                },
                y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' } },
                color: color(true),
                shape: { field: 'model', type: 'nominal' },
                stroke: {
                  field: 'pareto',
                  type: 'nominal',
                  scale: { domain: ['on the Pareto front', 'dominated'], range: ['#111', 'transparent'] },
                  title: null,
                },
                strokeWidth: { value: 2 },
              },
            },
            {
              mark: { type: 'text', align: 'left', dx: 9, dy: 3, fontSize: 10 },
              encoding: { x: { field: 'cost', type: 'quantitative' }, y: { field: 'accuracy', type: 'quantitative' }, text: { field: 'label' } },
            },
          ],
        })
  const latency = await renderSpec({
    $schema: schema,
    config,
    title: 'Latency per item (ms): p50 bar, p95 tick',
    data: { values: rows.map((row) => ({ approach: row.approach, model: row.model, p50: row.latency_ms_p50 ?? 0, p95: row.latency_ms_p95 ?? 0 })) },
    facet: { row: { field: 'model', type: 'nominal', title: null, sort: models } },
    spec: {
      width: 420,
      height: { step: 22 },
      layer: [
        {
          mark: { type: 'bar', opacity: 0.85 },
          encoding: {
            y: { field: 'approach', type: 'nominal', sort: null, title: null },
            x: { field: 'p50', type: 'quantitative', title: 'milliseconds' },
            color: color(false),
          },
        },
        {
          mark: { type: 'tick', thickness: 2, color: '#111' },
          encoding: { y: { field: 'approach', type: 'nominal', sort: null }, x: { field: 'p95', type: 'quantitative' } },
        },
      ],
    },
  })
  return { accuracy, latency, ...(costAccuracy === undefined ? {} : { costAccuracy }) }
}

async function renderSpec(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
