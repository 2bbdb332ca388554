import type { RequestTrace, TraceAttributes } from '../core/trace-span.js'
import type { OtlpExport } from './otlp-export.js'
import { startTraceRecorder, type TraceRecorder } from './request-trace.js'
import { summarizeTrace, type TraceStore, type TraceSummary } from './trace-store.js'

export interface TraceStart {
  id: string
  /** The request span's name: the approach label. */
  name: string
  attributes: TraceAttributes
  model?: string
  approach?: string
  route?: string
  traceparent?: string
}

/** A change the live feed reports: a trace started or finished. */
export interface TraceUpdate {
  type: 'started' | 'finished'
  trace: TraceSummary
}

/** The app's request tracing: recorders for new requests, the running ones, the store, the live feed, the export. */
export interface Tracing {
  readonly store: TraceStore
  /** Message text is kept (prompt logging on). */
  readonly capturesText: boolean
  start(input: TraceStart): TraceRecorder
  /** A trace still running in this instance. */
  getRunning(id: string): RequestTrace | undefined
  listRunning(): TraceSummary[]
  /** Hears every trace that starts or finishes here; returns the unsubscribe. */
  subscribe(listener: (update: TraceUpdate) => void): () => void
  close(): Promise<void>
}

export interface TracingSettings {
  store: TraceStore
  capturesText: boolean
  maxSpans: number
  /** Most traces running at once that are kept visible while they run. */
  maxRunning?: number
  /** The OTLP export, while it loads or once loaded; absent: no export. */
  otlp?: Promise<OtlpExport>
  onError(error: unknown): void
}

/**
 * @example const tracing = createTracing({ store: createMemoryTraceStore(bounds), capturesText: false, maxSpans: 2000, onError })
 */
export function createTracing(settings: TracingSettings): Tracing {
  const running = new Map<string, RequestTrace>()
  const listeners = new Set<(update: TraceUpdate) => void>()
  const maxRunning = settings.maxRunning ?? 10_000
  let otlp: OtlpExport | undefined
  settings.otlp?.then(
    (loaded) => {
      otlp = loaded
    },
    (error: unknown) => settings.onError(error),
  )
  const pending = new Set<Promise<void>>()
  const notify = (update: TraceUpdate): void => {
    for (const listener of listeners) listener(update)
  }
  const finish = (trace: RequestTrace): void => {
    if (running.get(trace.id) === trace) running.delete(trace.id)
    const saved = settings.store.save(trace)
    if (saved !== undefined) {
      const saving = saved.catch(settings.onError)
      pending.add(saving)
      void saving.finally(() => pending.delete(saving))
    }
    if (listeners.size > 0) notify({ type: 'finished', trace: summarizeTrace(trace) })
    if (otlp !== undefined) otlp.export(trace)
    else if (settings.otlp !== undefined)
      void settings.otlp.then(
        (loaded) => loaded.export(trace),
        () => undefined,
      )
  }
  return {
    store: settings.store,
    capturesText: settings.capturesText,
    start(input) {
      const recorder = startTraceRecorder(
        {
          id: input.id,
          capturesText: settings.capturesText,
          maxSpans: settings.maxSpans,
          maxTextChars: 16_384,
          ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
          ...(input.route === undefined ? {} : { route: input.route }),
          onFinish: finish,
        },
        input.name,
        input.attributes,
      )
      if (input.model !== undefined) recorder.trace.model = input.model
      if (input.approach !== undefined) recorder.trace.approach = input.approach
      if (running.size < maxRunning) running.set(input.id, recorder.trace)
      if (listeners.size > 0) notify({ type: 'started', trace: summarizeTrace(recorder.trace) })
      return recorder
    },
    getRunning: (id) => running.get(id),
    listRunning: () => [...running.values()].map(summarizeTrace).reverse(),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      await Promise.all(pending)
      if (settings.otlp !== undefined) await (await settings.otlp.catch(() => undefined))?.close()
      await settings.store.close()
    },
  }
}
