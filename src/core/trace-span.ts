/**
 * The request trace as data: a tree of spans (request -> stage -> step -> upstream_call), each with its timing,
 * status and attributes. The runtime and the call ledger record them; stores, the API, the console and the
 * OpenTelemetry export read them.
 */

/** What a span stands for. */
export type TraceSpanKind = 'request' | 'stage' | 'step' | 'upstream_call'

export type TraceSpanStatus = 'running' | 'ok' | 'error' | 'cancelled'

/** A span attribute: scalars and lists of strings or numbers (what OpenTelemetry accepts too). */
export type TraceAttributeValue = string | number | boolean | string[] | number[]

export type TraceAttributes = Record<string, TraceAttributeValue>

/** Something that happened at one moment inside a span: a retry, a rating, a budget cut-off. */
export interface TraceEvent {
  name: string
  /** Milliseconds since the Unix epoch (fractional). */
  time: number
  attributes?: TraceAttributes
}

export interface TraceSpan {
  /** Unique inside its trace: `s1`, `s2`, ... in the order the spans started. */
  id: string
  parentId?: string
  kind: TraceSpanKind
  name: string
  /** Milliseconds since the Unix epoch (fractional). */
  startTime: number
  /** Undefined while the span runs. */
  endTime?: number
  status: TraceSpanStatus
  attributes: TraceAttributes
  events: TraceEvent[]
}

/** One request's trace, summarised for lists and carrying its whole tree. */
export interface RequestTrace {
  /** The request id (`x-request-id`); a background response's id for its run. */
  id: string
  startTime: number
  endTime?: number
  status: TraceSpanStatus
  model?: string
  approach?: string
  route?: string
  /** Upstream calls the upstreams received (every retry and failover counted). */
  upstreamCalls: number
  promptTokens: number
  completionTokens: number
  /** Spans left out because the trace reached its span limit. */
  droppedSpans: number
  /** The client's W3C `traceparent`, continued by the OpenTelemetry export. */
  traceparent?: string
  spans: TraceSpan[]
}

/** A span being recorded. Ending it twice keeps the first end. */
export interface SpanRecorder {
  readonly id: string
  setAttributes(attributes: TraceAttributes): void
  addEvent(name: string, attributes?: TraceAttributes): void
  /** Starts a child span. */
  startChild(kind: TraceSpanKind, name: string, attributes?: TraceAttributes): SpanRecorder
  end(status?: Exclude<TraceSpanStatus, 'running'>, attributes?: TraceAttributes): void
}

/**
 * Where the ledger hangs an upstream call: the span of the step the call belongs to (created on its first call),
 * or the stage's own span for a call without a step label. `capturesText` says whether message text may be kept.
 */
export interface CallTraceScope {
  readonly capturesText: boolean
  parentFor(step: { readonly name: string; readonly index?: number } | undefined): SpanRecorder
  /** Adds tokens of a finished upstream call to the request's summary. */
  countCall(promptTokens: number, completionTokens: number): void
}
