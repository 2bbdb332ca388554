import { useEffect, useState } from 'preact/hooks'
import { fetchAdmin, openTraceFeed, readEventStream, type TraceSummary } from '../api.js'
import { formatDuration, formatTime, formatTokens, readDuration } from '../format.js'

const maxRows = 200

interface Filters {
  model: string
  approach: string
  status: string
}

function buildQuery(filters: Filters): string {
  const query = new URLSearchParams({ limit: '100' })
  for (const [name, value] of Object.entries(filters)) if (value !== '') query.set(name, value)
  return query.toString()
}

function matches(summary: TraceSummary, filters: Filters): boolean {
  if (filters.model !== '' && summary.model !== filters.model) return false
  if (filters.status !== '' && summary.status !== filters.status) return false
  if (filters.approach !== '' && !(summary.approach ?? '').split(/[&|]/).includes(filters.approach) && summary.approach !== filters.approach) return false
  return true
}

/** The live list of requests: the newest first, updated by the trace feed as requests start and finish. */
export function RequestsPage() {
  const [filters, setFilters] = useState<Filters>({ model: '', approach: '', status: '' })
  const [rows, setRows] = useState<TraceSummary[]>([])
  const [live, setLive] = useState(false)
  const [error, setError] = useState<string>()

  useEffect(() => {
    const controller = new AbortController()
    fetchAdmin<{ data: TraceSummary[] }>(`/v1/optiproxy/traces?${buildQuery(filters)}`, controller.signal).then(
      (list) => setRows(list.data),
      (failure: unknown) => controller.signal.aborted || setError(String(failure)),
    )
    const follow = async (): Promise<void> => {
      const response = await openTraceFeed(controller.signal)
      setLive(true)
      await readEventStream(response, (message) => {
        if (message.event !== 'trace') return
        const update = JSON.parse(message.data) as { trace: TraceSummary }
        if (!matches(update.trace, filters)) return
        setRows((current) => [update.trace, ...current.filter((row) => row.id !== update.trace.id)].sort((a, b) => b.startTime - a.startTime).slice(0, maxRows))
      })
    }
    follow()
      .catch(() => undefined)
      .finally(() => setLive(false))
    return () => controller.abort()
  }, [filters.model, filters.approach, filters.status])

  const field = (name: keyof Filters, placeholder: string) => (
    <input
      name={name}
      placeholder={placeholder}
      value={filters[name]}
      onChange={(event) => setFilters({ ...filters, [name]: event.currentTarget.value.trim() })}
    />
  )
  return (
    <section>
      <header class="page-header">
        <h1>Requests</h1>
        <span class={live ? 'badge live' : 'badge'}>{live ? 'live' : 'not live'}</span>
      </header>
      <div class="filters">
        {field('model', 'model')}
        {field('approach', 'approach')}
        <select name="status" value={filters.status} onChange={(event) => setFilters({ ...filters, status: event.currentTarget.value })}>
          <option value="">any status</option>
          <option value="running">running</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
          <option value="cancelled">cancelled</option>
        </select>
      </div>
      {error === undefined ? null : <p class="error">{error}</p>}
      <table class="requests">
        <thead>
          <tr>
            <th>time</th>
            <th>request</th>
            <th>model</th>
            <th>approach</th>
            <th>status</th>
            <th>duration</th>
            <th>calls</th>
            <th>tokens in / out</th>
            <th>cost</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-trace-id={row.id}>
              <td>{formatTime(row.startTime)}</td>
              <td>
                <a href={`#/requests/${encodeURIComponent(row.id)}`}>{row.id}</a>
              </td>
              <td>{row.model ?? ''}</td>
              <td>{row.approach ?? ''}</td>
              <td>
                <span class={`status ${row.status}`}>{row.status}</span>
              </td>
              <td>{formatDuration(readDuration(row))}</td>
              <td class="calls">{row.upstreamCalls}</td>
              <td>{formatTokens(row)}</td>
              <td title="No price table is configured">—</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p class="empty">No requests yet.</p> : null}
    </section>
  )
}
