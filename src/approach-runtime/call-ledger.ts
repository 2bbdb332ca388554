import type { Provider, ProviderCallOptions } from '../core/provider.js'
import { BudgetExhaustedError } from '../core/budget-exhausted-error.js'
import type { ModelResult } from '../core/model-result.js'
import type { StepLabel } from '../core/approach-step.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import type { CallTraceScope } from '../core/trace-span.js'
import { createSemaphore } from '../core/semaphore.js'
import { startUpstreamCallTrace } from './trace-upstream-call.js'

export interface CallLimits {
  /** Most upstream calls one client request may cause. */
  maxUpstreamCalls: number
  /** Most tokens (prompt + completion, summed over calls) one client request may use; undefined: no cap. */
  maxTotalTokens?: number
  /** Most upstream calls in flight at once. */
  maxParallelCalls: number
}

/**
 * The request's upstream calls: routed to the provider, counted, summed, bounded and budgeted. One ledger per
 * client request, shared by every approach run under it (`n` runs, `|` branches, `&` stages).
 */
export interface CallLedger {
  /**
   * One call; `step` names the approach step it belongs to and `trace` the stage it runs in: each attempt the
   * upstream receives (retries and failovers included) becomes an `upstream_call` span under that step.
   */
  generate(request: ModelRequest, signal: AbortSignal, step?: StepLabel, trace?: CallTraceScope): Promise<ModelResult>
  stream(request: ModelRequest, signal: AbortSignal, step?: StepLabel, trace?: CallTraceScope): AsyncIterable<StreamEvent>
  /** Upstream calls started so far. */
  readonly upstreamCalls: number
  /** Usage summed over every call that reported it. */
  readonly usage: Usage | undefined
}

/**
 * Creates the ledger of one client request.
 * @example const ledger = createCallLedger(provider, { apiKey }, { maxUpstreamCalls: 64, maxParallelCalls: 4 })
 */
export function createCallLedger(provider: Provider, callOptions: Omit<ProviderCallOptions, 'signal'>, limits: CallLimits): CallLedger {
  const limiter = createSemaphore({ limit: limits.maxParallelCalls })
  let upstreamCalls = 0
  let usage: Usage | undefined
  const record = (callUsage: Usage | undefined): void => {
    if (callUsage !== undefined) usage = addUsage(usage, callUsage)
  }
  /** Checks the budget and counts the call; runs after a slot is free, so the check sees every finished call's tokens. */
  const admit = (): void => {
    if (upstreamCalls >= limits.maxUpstreamCalls) throw new BudgetExhaustedError('upstream-calls', limits.maxUpstreamCalls)
    if (limits.maxTotalTokens !== undefined && (usage?.totalTokens ?? 0) >= limits.maxTotalTokens) {
      throw new BudgetExhaustedError('total-tokens', limits.maxTotalTokens)
    }
    upstreamCalls++
  }
  return {
    get upstreamCalls() {
      return upstreamCalls
    },
    get usage() {
      return usage
    },
    async generate(request, signal, step, trace) {
      const release = await limiter.acquire(signal)
      let callTrace: ReturnType<typeof startUpstreamCallTrace> | undefined
      try {
        admit()
        callTrace = trace === undefined ? undefined : startUpstreamCallTrace(trace, step, request, 'generate')
        const result = await provider.generate(request, { ...callOptions, signal, ...(callTrace === undefined ? {} : { attempts: callTrace.attempts }) })
        record(result.usage)
        callTrace?.succeed(result)
        return result
      } catch (error) {
        callTrace?.fail(error, signal.aborted)
        // a cancelled call fails with the cancellation itself (the client's abort, or a budget cut-off), whatever the
        // provider made of it, so approaches can tell a cancellation from an upstream failure
        if (signal.aborted && signal.reason instanceof Error) throw signal.reason
        throw error
      } finally {
        release()
      }
    },
    async *stream(request, signal, step, trace) {
      const release = await limiter.acquire(signal)
      let callTrace: ReturnType<typeof startUpstreamCallTrace> | undefined
      let failure: unknown
      let ended = false
      try {
        admit()
        callTrace = trace === undefined ? undefined : startUpstreamCallTrace(trace, step, request, 'stream')
        for await (const event of provider.stream(request, { ...callOptions, signal, ...(callTrace === undefined ? {} : { attempts: callTrace.attempts }) })) {
          callTrace?.observe(event)
          if (event.type === 'error') failure = event.error
          if (event.type === 'usage') record(event.usage)
          else yield event
        }
        ended = true
      } finally {
        if (ended && failure === undefined) callTrace?.succeed()
        else callTrace?.fail(failure ?? signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'), failure === undefined || signal.aborted)
        release()
      }
    },
  }
}
