import { useEffect, useState } from 'preact/hooks'
import { fetchAdmin, type TraceSummary } from '../api.js'
import { formatDuration, formatTime, readDuration } from '../format.js'

interface Health {
  status: string
  draining: boolean
  providers: Array<{ provider: string; status: string; consecutiveFailures: number; lastError?: unknown }>
  degraded: string[]
  in_flight_requests: number
  running: TraceSummary[]
  recent_errors: TraceSummary[]
  traces: string
  captures_text: boolean
}

/** Providers and the degraded ones, requests in flight, running approach runs and recent failures; refreshed every 2 s. */
export function HealthPage() {
  const [health, setHealth] = useState<Health>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    const load = (): void => void fetchAdmin<Health>('/v1/optiproxy/health').then(setHealth, (failure: unknown) => setError(String(failure)))
    load()
    const timer = setInterval(load, 2000)
    return () => clearInterval(timer)
  }, [])
  if (error !== undefined) return <p class="error">{error}</p>
  if (health === undefined) return <p class="loading">Loading…</p>
  return (
    <section class="health">
      <header class="page-header">
        <h1>Health</h1>
        <span class={`status ${health.status === 'ok' ? 'ok' : 'error'}`}>{health.status}</span>
      </header>
      <dl class="summary">
        <dt>requests in flight</dt>
        <dd>{health.in_flight_requests}</dd>
        <dt>approach runs in flight</dt>
        <dd>{health.running.length}</dd>
        <dt>traces</dt>
        <dd>{health.traces}</dd>
        <dt>prompt logging</dt>
        <dd>{health.captures_text ? 'on (traces keep message text, redacted)' : 'off'}</dd>
        <dt>draining</dt>
        <dd>{health.draining ? 'yes' : 'no'}</dd>
      </dl>
      <h2>Providers</h2>
      {health.providers.length === 0 ? <p class="empty">No upstream call yet.</p> : null}
      <ul class="providers">
        {health.providers.map((provider) => (
          <li key={provider.provider}>
            <span class={`status ${provider.status === 'ok' ? 'ok' : 'error'}`}>{provider.status}</span> {provider.provider}
            {provider.consecutiveFailures > 0 ? ` (${provider.consecutiveFailures} failures in a row)` : ''}
          </li>
        ))}
      </ul>
      <h2>Recent errors</h2>
      {health.recent_errors.length === 0 ? <p class="empty">None.</p> : null}
      <ul>
        {health.recent_errors.map((trace) => (
          <li key={trace.id}>
            {formatTime(trace.startTime)} <a href={`#/requests/${encodeURIComponent(trace.id)}`}>{trace.id}</a> {trace.model} {trace.approach} (
            {formatDuration(readDuration(trace))})
          </li>
        ))}
      </ul>
    </section>
  )
}
