import type { ModelResult } from '../../src/core/model-result.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ProviderCallOptions } from '../../src/core/provider.js'
import type { ProviderMiddleware } from './provider-middleware.js'

/** The deadlines of one upstream call, in milliseconds; an absent one does not apply. */
export interface CallTimeouts {
  /** Connecting to the upstream (passed down to the provider). */
  connectMs?: number
  /** Until the first event of a stream; for a whole answer, until the upstream starts answering (passed down). */
  firstByteMs?: number
  /** The whole call, first byte to last. */
  totalMs?: number
  /** Between two events of a stream. */
  idleMs?: number
}

type TimeoutKind = 'first_byte' | 'total' | 'idle'

const descriptions: Record<TimeoutKind, string> = {
  first_byte: 'did not start answering',
  total: 'did not finish answering',
  idle: 'sent nothing more',
}

/** The 504 a timed-out upstream call becomes; retryable, so a fallback may try another target. */
export function createUpstreamTimeoutError(kind: TimeoutKind, limitMs: number): ProxyError {
  return new ProxyError(`The upstream ${descriptions[kind]} within ${limitMs} ms.`, {
    status: 504,
    type: 'timeout_error',
    code: kind === 'first_byte' ? 'upstream_timeout' : `upstream_${kind}_timeout`,
    isRetryable: true,
  })
}

const timedOut = Symbol('timed out')

function raceTimer<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(resolve, ms, timedOut)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** An AbortController that also aborts when the caller's signal does. */
function linkController(outer: AbortSignal): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(outer.reason)
  if (outer.aborted) onAbort()
  else outer.addEventListener('abort', onAbort, { once: true })
  return { controller, unlink: () => outer.removeEventListener('abort', onAbort) }
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Math.min(a, b)
}

/**
 * The deadlines of one call: the provider's, tightened by the request's own (a client may shorten a deadline,
 * never lengthen one past the operator's).
 * @example combineTimeouts({ totalMs: 600_000 }, { totalMs: 5_000 }) // { totalMs: 5000 }
 */
export function combineTimeouts(configured: CallTimeouts, requested: CallTimeouts | undefined): CallTimeouts {
  if (requested === undefined) return configured
  const result: CallTimeouts = {}
  for (const key of ['connectMs', 'firstByteMs', 'totalMs', 'idleMs'] as const) {
    const value = smaller(configured[key], requested[key])
    if (value !== undefined) result[key] = value
  }
  return result
}

/**
 * The deadlines middleware: time to first event, total time and the idle time between events of a stream. A
 * deadline that passes aborts the upstream call and becomes a 504 `timeout_error` (thrown by `generate`, an `error`
 * event from `stream`, so after bytes were sent the client gets an error frame). Connect and first-byte deadlines
 * are also passed down, for providers that can apply them to the connection. The request's own deadlines
 * (`options.requestTimeouts`) tighten the configured ones call by call.
 * @example wrapProvider(base, [createTimeoutsMiddleware({ firstByteMs: 30_000, idleMs: 60_000, totalMs: 600_000 })])
 */
export function createTimeoutsMiddleware(configured: CallTimeouts): ProviderMiddleware {
  const callOptions = (options: ProviderCallOptions, signal: AbortSignal, timeouts: CallTimeouts): ProviderCallOptions => {
    const { totalMs, firstByteMs } = timeouts
    const connectTimeoutMs = smaller(options.connectTimeoutMs, timeouts.connectMs)
    const firstByteTimeoutMs = smaller(options.firstByteTimeoutMs, smaller(firstByteMs, totalMs))
    return {
      ...options,
      signal,
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(firstByteTimeoutMs === undefined ? {} : { firstByteTimeoutMs }),
    }
  }

  async function wrapGenerate({ doGenerate, call }: Parameters<NonNullable<ProviderMiddleware['wrapGenerate']>>[0]): Promise<ModelResult> {
    const { request, options } = call
    const timeouts = combineTimeouts(configured, options.requestTimeouts)
    const { totalMs } = timeouts
    // no deadline of its own to enforce: the call runs on the caller's signal (the transport keeps connect/first byte)
    if (totalMs === undefined) return doGenerate({ request, options: callOptions(options, options.signal, timeouts) })
    const { controller, unlink } = linkController(options.signal)
    try {
      const pending = doGenerate({ request, options: callOptions(options, controller.signal, timeouts) })
      const outcome = await raceTimer(pending, totalMs)
      if (outcome !== timedOut) return outcome
      const error = createUpstreamTimeoutError('total', totalMs)
      pending.catch(() => undefined)
      controller.abort(error)
      throw error
    } finally {
      unlink()
    }
  }

  async function* wrapStream({ doStream, call }: Parameters<NonNullable<ProviderMiddleware['wrapStream']>>[0]): AsyncGenerator<StreamEvent> {
    const { request, options } = call
    const timeouts = combineTimeouts(configured, options.requestTimeouts)
    const { totalMs, idleMs, firstByteMs } = timeouts
    if (totalMs === undefined && idleMs === undefined && firstByteMs === undefined) {
      // no deadline to watch between events: the provider's own stream, on the caller's signal
      yield* doStream({ request, options: callOptions(options, options.signal, timeouts) })
      return
    }
    const { controller, unlink } = linkController(options.signal)
    const iterator = doStream({ request, options: callOptions(options, controller.signal, timeouts) })[Symbol.asyncIterator]()
    const startedAt = Date.now()
    let started = false
    let finished = false
    try {
      for (;;) {
        const gapMs = started ? idleMs : firstByteMs
        const leftMs = totalMs === undefined ? undefined : Math.max(0, totalMs - (Date.now() - startedAt))
        const limitMs = smaller(gapMs, leftMs)
        const next = iterator.next()
        const outcome = limitMs === undefined ? await next : await raceTimer(next, limitMs)
        if (outcome === timedOut) {
          next.catch(() => undefined)
          const kind: TimeoutKind = limitMs === leftMs ? 'total' : started ? 'idle' : 'first_byte'
          const error = createUpstreamTimeoutError(kind, kind === 'total' ? (totalMs as number) : (limitMs as number))
          controller.abort(error)
          yield { type: 'error', error }
          return
        }
        if (outcome.done === true) {
          finished = true
          return
        }
        started = true
        yield outcome.value
      }
    } finally {
      unlink()
      if (!finished) {
        controller.abort()
        void iterator.return?.(undefined)?.catch(() => undefined)
      }
    }
  }

  return { name: 'timeouts', wrapGenerate, wrapStream }
}
