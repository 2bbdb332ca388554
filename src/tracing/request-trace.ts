import type { ApproachFact } from '../core/approach-step.js'
import { redactSecrets } from '../core/redact-secrets.js'
import type {
  CallTraceScope,
  RequestTrace,
  SpanRecorder,
  TraceAttributeValue,
  TraceAttributes,
  TraceSpan,
  TraceSpanKind,
  TraceSpanStatus,
} from '../core/trace-span.js'

export interface TraceRecorderSettings {
  id: string
  /** Keep message text and answers (prompt logging on); redacted like logs. */
  capturesText: boolean
  /** Most spans one trace keeps; later ones are counted in `droppedSpans`. */
  maxSpans: number
  /** Longest text attribute kept, in characters; longer text is cut with a marker. */
  maxTextChars: number
  traceparent?: string
  route?: string
  /** Called once, when the request span ends. */
  onFinish(trace: RequestTrace): void
}

export interface TraceRecorder {
  readonly trace: RequestTrace
  readonly root: SpanRecorder
  readonly capturesText: boolean
  /** Text cut to the limit and redacted, for a text attribute (only call when `capturesText`). */
  clipText(text: string): string
}

const timeOrigin = performance.timeOrigin

/** Milliseconds since the epoch, fractional (performance.now's resolution on the wall clock). */
export function readTraceClock(): number {
  return timeOrigin + performance.now()
}

const noopSpan: SpanRecorder = {
  id: 'dropped',
  setAttributes: () => undefined,
  addEvent: () => undefined,
  startChild: () => noopSpan,
  end: () => undefined,
}

/** What every span recorder of one trace shares. */
interface TraceState {
  readonly trace: RequestTrace
  readonly maxSpans: number
  finished: boolean
  finish(status: Exclude<TraceSpanStatus, 'running'>): void
}

/** A span being recorded: one object per span with its methods on the prototype (no closures per span). */
class OpenSpan implements SpanRecorder {
  constructor(
    private readonly state: TraceState,
    private readonly span: TraceSpan,
  ) {}

  get id(): string {
    return this.span.id
  }

  setAttributes(more: TraceAttributes): void {
    copyAttributes(this.span.attributes, more)
  }

  addEvent(eventName: string, eventAttributes?: TraceAttributes): void {
    if (this.span.events.length < 256)
      this.span.events.push({ name: eventName, time: readTraceClock(), ...(eventAttributes === undefined ? {} : { attributes: eventAttributes }) })
  }

  startChild(childKind: TraceSpanKind, childName: string, childAttributes?: TraceAttributes): SpanRecorder {
    return openSpan(this.state, childKind, childName, childAttributes ?? {}, this.span.id)
  }

  end(status: Exclude<TraceSpanStatus, 'running'> = 'ok', more?: TraceAttributes): void {
    const { span } = this
    if (span.endTime !== undefined) return
    span.endTime = readTraceClock()
    span.status = status
    if (more !== undefined) copyAttributes(span.attributes, more)
    if (span.kind === 'request') this.state.finish(status)
  }
}

/** Adds attributes to a span's own (a plain loop: cheaper than Object.assign for these small dotted-key objects). */
function copyAttributes(target: TraceAttributes, source: TraceAttributes): void {
  for (const key in source) target[key] = source[key] as TraceAttributeValue
}

/** Opens a span in the trace, or the no-op span once the trace has finished or is full. */
function openSpan(state: TraceState, kind: TraceSpanKind, spanName: string, spanAttributes: TraceAttributes, parentId: string | undefined): SpanRecorder {
  const { trace } = state
  if (state.finished) return noopSpan
  if (trace.spans.length >= state.maxSpans) {
    trace.droppedSpans++
    return noopSpan
  }
  // one object shape for every span (a conditional spread here costs more than the rest of the span)
  const span: TraceSpan = {
    id: `s${trace.spans.length + 1}`,
    kind,
    name: spanName,
    startTime: readTraceClock(),
    status: 'running',
    // the caller's object becomes the span's own (every caller builds a fresh one)
    attributes: spanAttributes,
    events: [],
  }
  if (parentId !== undefined) span.parentId = parentId
  trace.spans.push(span)
  if (kind === 'upstream_call') trace.upstreamCalls++
  return new OpenSpan(state, span)
}

/**
 * Starts one request's trace: its root span (kind `request`) is open; ending it finishes the trace (step spans
 * take the extent of their calls) and hands it to `onFinish`.
 * @example const recorder = startTraceRecorder({ id: 'req_1', capturesText: false, maxSpans: 2000, maxTextChars: 8192, onFinish: store.save })
 */
export function startTraceRecorder(settings: TraceRecorderSettings, name: string, attributes: TraceAttributes): TraceRecorder {
  const trace: RequestTrace = {
    id: settings.id,
    startTime: readTraceClock(),
    status: 'running',
    upstreamCalls: 0,
    promptTokens: 0,
    completionTokens: 0,
    droppedSpans: 0,
    ...(settings.traceparent === undefined ? {} : { traceparent: settings.traceparent }),
    ...(settings.route === undefined ? {} : { route: settings.route }),
    spans: [],
  }
  const state: TraceState = { trace, maxSpans: settings.maxSpans, finished: false, finish }
  function finish(status: Exclude<TraceSpanStatus, 'running'>): void {
    if (state.finished) return
    state.finished = true
    trace.endTime = readTraceClock()
    trace.status = status
    if (trace.spans.some((span) => span.kind === 'step' || span.endTime === undefined)) settleSteps(trace.spans, trace.endTime)
    settings.onFinish(trace)
  }

  const root = openSpan(state, 'request', name, attributes, undefined)
  return {
    trace,
    root,
    capturesText: settings.capturesText,
    clipText(text) {
      const clipped =
        text.length > settings.maxTextChars ? `${text.slice(0, settings.maxTextChars)}… [${text.length - settings.maxTextChars} more characters]` : text
      return redactSecrets(clipped, [])
    },
  }
}

/** A step span covers its calls: from the first call's start to the last call's end; still-open spans end with the trace. */
function settleSteps(spans: TraceSpan[], endTime: number): void {
  const extent = new Map<string, { start: number; end: number; failed: boolean }>()
  for (const span of spans) {
    if (span.parentId === undefined) continue
    const current = extent.get(span.parentId)
    const end = span.endTime ?? endTime
    const failed = span.status === 'error'
    if (current === undefined) extent.set(span.parentId, { start: span.startTime, end, failed })
    else extent.set(span.parentId, { start: Math.min(current.start, span.startTime), end: Math.max(current.end, end), failed: current.failed || failed })
  }
  for (const span of spans) {
    const children = extent.get(span.id)
    if (span.kind === 'step' && children !== undefined) {
      span.startTime = Math.min(span.startTime, children.start)
      span.endTime = children.end
      span.status = span.status === 'running' ? (children.failed ? 'error' : 'ok') : span.status
    }
    if (span.endTime === undefined) {
      span.endTime = endTime
      span.status = 'cancelled'
    }
  }
}

/**
 * The trace scope of one stage: its span, one step span per step label (`candidate 2`), and the approach's facts
 * (ratings, votes, the winner) as attributes and events of those spans.
 * @example const scope = createStageTraceScope(recorder, stageSpan); ledger.generate(request, signal, step, scope)
 */
export function createStageTraceScope(recorder: TraceRecorder, stage: SpanRecorder): CallTraceScope & { recordFact(fact: ApproachFact): void } {
  const steps = new Map<string, SpanRecorder>()
  const stepSpan = (name: string, index: number | undefined): SpanRecorder => {
    const key = index === undefined ? name : `${name} ${index}`
    let span = steps.get(key)
    if (span === undefined) {
      if (steps.size >= 512) return stage
      span = stage.startChild('step', key, { 'step.name': name, ...(index === undefined ? {} : { 'step.index': index }) })
      steps.set(key, span)
    }
    return span
  }
  return {
    capturesText: recorder.capturesText,
    parentFor: (step) => (step === undefined ? stage : stepSpan(step.name, step.index)),
    countCall(promptTokens, completionTokens) {
      recorder.trace.promptTokens += promptTokens
      recorder.trace.completionTokens += completionTokens
    },
    recordFact(fact) {
      switch (fact.kind) {
        case 'rating':
          if (fact.score !== undefined) stepSpan('candidate', fact.candidate).setAttributes({ rating: fact.score })
          stage.addEvent('rating', { candidate: fact.candidate, ...(fact.score === undefined ? {} : { score: fact.score }) })
          return
        case 'comparison':
          stage.addEvent('comparison', { first: fact.first, second: fact.second, ...(fact.winner === undefined ? {} : { winner: fact.winner }) })
          return
        case 'vote': {
          const tally = fact.tally.slice(0, 64)
          stage.setAttributes({
            'vote.counts': tally.map(([, count]) => count),
            ...(recorder.capturesText ? { 'vote.answers': tally.map(([answer]) => recorder.clipText(answer)) } : {}),
            ...(recorder.capturesText && fact.winner !== undefined ? { 'vote.winner': recorder.clipText(fact.winner) } : {}),
          })
          stage.addEvent('vote', { answers: tally.length })
          return
        }
        case 'winner':
          stepSpan('candidate', fact.candidate).setAttributes({ winner: true })
          stage.setAttributes({
            winner: fact.candidate,
            ...(fact.reason === undefined ? {} : { 'winner.reason': redactSecrets(fact.reason.slice(0, 500), []) }),
          })
          return
        case 'note':
          stage.addEvent('note', { text: redactSecrets(fact.text.slice(0, 500), []) })
          return
      }
    },
  }
}
