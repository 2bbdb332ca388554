import { useEffect, useState } from 'preact/hooks'
import { fetchAdmin, fetchAdminText } from '../api.js'

interface EvalList {
  folder: string | null
  data: Array<{ name: string; modified: string }>
}

/** A summary row of `optiproxy eval`'s results.json: one per approach and model. */
type SummaryRow = Record<string, unknown> & { approach?: string; model?: string }

const columns = [
  'approach',
  'model',
  'items',
  'correct',
  'accuracy',
  'ci_low',
  'ci_high',
  'calls_per_item',
  'cost_per_item',
  'latency_ms_p50',
  'latency_ms_p95',
  'errors',
]

function formatCell(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3)
  if (value === undefined || value === null) return '—'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function EvaluationDetail(props: { name: string }) {
  const [results, setResults] = useState<{ summary?: SummaryRow[]; items?: unknown[] }>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    fetchAdmin<{ results: { summary?: SummaryRow[]; items?: unknown[] } }>(`/v1/optiproxy/evals/${encodeURIComponent(props.name)}`).then(
      (loaded) => setResults(loaded.results),
      (failure: unknown) => setError(String(failure)),
    )
  }, [props.name])
  const download = async (): Promise<void> => {
    const html = await fetchAdminText(`/v1/optiproxy/evals/${encodeURIComponent(props.name)}/report.html`)
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([html], { type: 'text/html' }))
    link.download = `${props.name === '.' ? 'report' : props.name}.html`
    link.click()
    URL.revokeObjectURL(link.href)
  }
  if (error !== undefined) return <p class="error">{error}</p>
  if (results === undefined) return <p class="loading">Loading…</p>
  return (
    <div>
      <h2>{props.name}</h2>
      <p>
        {results.items?.length ?? 0} graded items.{' '}
        <button type="button" class="link" onClick={() => void download().catch((failure: unknown) => setError(String(failure)))}>
          Download report.html
        </button>
      </p>
      <table>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column}>{column.replaceAll('_', ' ')}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(results.summary ?? []).map((row, index) => (
            <tr key={index}>
              {columns.map((column) => (
                <td key={column}>{formatCell(row[column])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The reports `optiproxy eval` wrote into OPTIPROXY_EVAL_DIR (or ./eval-results), newest first, and one's summary. */
export function EvaluationsPage(props: { name: string | undefined }) {
  const [list, setList] = useState<EvalList>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    fetchAdmin<EvalList>('/v1/optiproxy/evals').then(setList, (failure: unknown) => setError(String(failure)))
  }, [])
  if (error !== undefined) return <p class="error">{error}</p>
  if (list === undefined) return <p class="loading">Loading…</p>
  return (
    <section>
      <header class="page-header">
        <h1>Evaluations</h1>
      </header>
      {list.folder === null ? (
        <p class="empty">
          No reports folder. Run <code>optiproxy eval --out eval-results/&lt;name&gt;</code> and point <code>OPTIPROXY_EVAL_DIR</code> at the folder.
        </p>
      ) : (
        <p class="hint">Reports in {list.folder}</p>
      )}
      <ul class="evals">
        {list.data.map((run) => (
          <li key={run.name}>
            <a href={`#/evaluations/${encodeURIComponent(run.name)}`}>{run.name}</a> <span class="hint">{new Date(run.modified).toLocaleString()}</span>
          </li>
        ))}
      </ul>
      {props.name === undefined ? null : <EvaluationDetail name={props.name} />}
    </section>
  )
}
