import { useEffect, useState } from 'preact/hooks'
import { fetchAdmin, type AttributeValue, type RequestTrace, type TraceSpan } from '../api.js'
import { flattenTree, formatDuration, formatTokens, groupChildren, readDuration } from '../format.js'

/** A step span's candidate: its text (the answer of its call, with prompt logging), rating and whether it won. */
interface Candidate {
  index: number
  span: TraceSpan
  text?: string
  rating?: AttributeValue
  winner: boolean
}

function readCandidates(trace: RequestTrace): Candidate[] {
  const children = groupChildren(trace)
  return trace.spans
    .filter((span) => span.kind === 'step' && span.attributes['step.name'] === 'candidate')
    .map((span) => {
      const text = (children.get(span.id) ?? [])
        .map((call) => call.attributes['gen_ai.output.text'])
        .filter((value): value is string => typeof value === 'string')
        .join('\n')
      return {
        index: Number(span.attributes['step.index'] ?? 0),
        span,
        ...(text === '' ? {} : { text }),
        ...(span.attributes.rating === undefined ? {} : { rating: span.attributes.rating }),
        winner: span.attributes.winner === true,
      }
    })
}

function describeSpan(span: TraceSpan): string {
  const attributes = span.attributes
  const parts: string[] = []
  if (span.kind === 'upstream_call') {
    if (attributes['gen_ai.provider.name'] !== undefined)
      parts.push(`${String(attributes['gen_ai.provider.name'])}/${String(attributes['gen_ai.request.model'])}`)
    if (attributes['gen_ai.usage.input_tokens'] !== undefined)
      parts.push(`${String(attributes['gen_ai.usage.input_tokens'])}+${String(attributes['gen_ai.usage.output_tokens'])} tokens`)
    if (attributes['optiproxy.retry'] !== undefined) parts.push(`retry ${String(attributes['optiproxy.retry'])}`)
    if (attributes['optiproxy.failover_from'] !== undefined) parts.push(`failover from ${String(attributes['optiproxy.failover_from'])}`)
    if (attributes['error.message'] !== undefined) parts.push(String(attributes['error.message']))
  }
  if (attributes.rating !== undefined) parts.push(`rating ${String(attributes.rating)}`)
  if (attributes.winner === true) parts.push('winner')
  return parts.join(' · ')
}

function Waterfall(props: { trace: RequestTrace }) {
  const { trace } = props
  const rows = flattenTree(trace)
  const start = trace.startTime
  const total = Math.max(1, (trace.endTime ?? Math.max(...trace.spans.map((span) => span.endTime ?? span.startTime))) - start)
  const [open, setOpen] = useState<string>()
  return (
    <div class="waterfall" role="tree">
      {rows.map(({ span, depth }) => {
        const left = ((span.startTime - start) / total) * 100
        const width = Math.max(0.4, (((span.endTime ?? start + total) - span.startTime) / total) * 100)
        return (
          <div key={span.id} class={`row kind-${span.kind}`} data-kind={span.kind} role="treeitem" tabIndex={-1}>
            <button type="button" class="label" style={{ paddingLeft: `${depth * 16 + 4}px` }} onClick={() => setOpen(open === span.id ? undefined : span.id)}>
              <span class={`dot ${span.status}`} />
              <span class="kind">{span.kind === 'upstream_call' ? 'call' : span.kind}</span> {span.name}
              <span class="detail">{describeSpan(span)}</span>
            </button>
            <div class="track">
              <div
                class={`bar ${span.kind} ${span.status}`}
                style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
                title={formatDuration(readDuration(span))}
              />
            </div>
            <span class="duration">{formatDuration(readDuration(span))}</span>
            {open === span.id ? <pre class="attributes">{JSON.stringify({ attributes: span.attributes, events: span.events }, null, 2)}</pre> : null}
          </div>
        )
      })}
    </div>
  )
}

/** One request's trace: summary, budget cut-offs, candidates with rating/vote/winner, and the call tree as a waterfall. */
export function RequestDetailPage(props: { id: string }) {
  const [trace, setTrace] = useState<RequestTrace>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = (): void => {
      fetchAdmin<RequestTrace>(`/v1/optiproxy/traces/${encodeURIComponent(props.id)}`).then(
        (loaded) => {
          if (stopped) return
          setTrace(loaded)
          // a running request is re-read until it ends
          if (loaded.status === 'running') timer = setTimeout(load, 500)
        },
        (failure: unknown) => setError(String(failure)),
      )
    }
    load()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [props.id])
  if (error !== undefined) return <p class="error">{error}</p>
  if (trace === undefined) return <p class="loading">Loading…</p>
  const root = trace.spans.find((span) => span.kind === 'request')
  const budgetEvents = root?.events.filter((event) => event.name === 'budget_exhausted') ?? []
  const candidates = readCandidates(trace)
  const stages = trace.spans.filter((span) => span.kind === 'stage')
  return (
    <section class="detail">
      <header class="page-header">
        <h1>
          <a href="#/requests">Requests</a> / {trace.id}
        </h1>
        <span class={`status ${trace.status}`}>{trace.status}</span>
      </header>
      <dl class="summary">
        <dt>model</dt>
        <dd>{trace.model}</dd>
        <dt>approach</dt>
        <dd>{trace.approach}</dd>
        <dt>duration</dt>
        <dd>{formatDuration(readDuration(trace))}</dd>
        <dt>upstream calls</dt>
        <dd class="calls">{trace.upstreamCalls}</dd>
        <dt>tokens in / out</dt>
        <dd>{formatTokens(trace)}</dd>
        <dt>route</dt>
        <dd>{trace.route ?? ''}</dd>
      </dl>
      {trace.droppedSpans > 0 ? <p class="warning">{trace.droppedSpans} spans were left out (the trace's span limit).</p> : null}
      {budgetEvents.map((event, index) => (
        <p key={index} class="warning budget">
          Budget cut-off (choice {String(event.attributes?.['optiproxy.choice'] ?? 0)}): {String(event.attributes?.message ?? '')}
        </p>
      ))}
      {candidates.length === 0 ? null : (
        <div class="candidates">
          <h2>Candidates</h2>
          <div class="cards">
            {candidates.map((candidate) => (
              <article key={candidate.span.id} class={candidate.winner ? 'card winner' : 'card'} data-candidate={candidate.index}>
                <header>
                  candidate {candidate.index}
                  {candidate.rating === undefined ? null : <span class="rating">rating {String(candidate.rating)}</span>}
                  {candidate.winner ? <span class="badge win">winner</span> : null}
                </header>
                <p>{candidate.text ?? 'Text is recorded only with prompt logging (--log-prompts).'}</p>
              </article>
            ))}
          </div>
        </div>
      )}
      {stages
        .filter((stage) => stage.attributes['vote.counts'] !== undefined)
        .map((stage) => {
          const counts = stage.attributes['vote.counts'] as number[]
          const answers = (stage.attributes['vote.answers'] as string[] | undefined) ?? counts.map((_, index) => `answer ${index + 1}`)
          return (
            <div key={stage.id} class="vote">
              <h2>Vote ({stage.name})</h2>
              <ul>
                {counts.map((count, index) => (
                  <li key={index} class={stage.attributes['vote.winner'] === answers[index] ? 'winner' : ''}>
                    {answers[index]}: {count}
                  </li>
                ))}
              </ul>
            </div>
          )
        })}
      <h2>Call tree and timeline</h2>
      <Waterfall trace={trace} />
    </section>
  )
}
