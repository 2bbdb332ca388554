import type { ModelInfo, Provider, ProviderCallOptions } from '../core/provider.js'
import type { ModelResult } from '../core/model-result.js'
import { ProxyError, toProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'

export type RoutingStrategy = 'fallback' | 'weighted' | 'least-busy'

export interface GroupTarget {
  provider: Provider
  /** The provider's id, for the chosen-target header (`groq/llama-3.3-70b`). */
  providerId: string
  model: string
  weight: number
}

export interface RoutingGroupSettings {
  /** The alias clients send. */
  id: string
  strategy: RoutingStrategy
  targets: GroupTarget[]
  /** Failures in a row after which a target rests for `cooldownMs`. */
  failureThreshold: number
  cooldownMs: number
  /** For `weighted`: a number in [0, 1) (tests pass a fixed one). */
  random?: () => number
}

interface TargetState {
  target: GroupTarget
  label: string
  inFlight: number
  consecutiveFailures: number
  restingUntil: number
}

/** A failure another target may not have: rate limits, server errors, timeouts, connection failures. Never a cancellation or the client's mistake. */
function shouldFallBack(error: ProxyError): boolean {
  return error.isRetryable && error.status !== 499
}

/** Tells the call's attempt observer (the request trace) that the next target takes over, when there is one. */
function reportFailover(options: ProviderCallOptions, failure: ProxyError, from: TargetState, targets: TargetState[]): void {
  const next = targets[targets.indexOf(from) + 1]
  if (next !== undefined) options.attempts?.failingOver?.(failure, from.label, next.label)
}

/**
 * A model alias served by several targets (provider + model). Each call picks an order by the strategy
 * (`fallback`: as listed; `weighted`: one drawn by weight first; `least-busy`: fewest calls in flight first), skips
 * targets resting after `failureThreshold` failures in a row (unless all rest), and moves to the next target when
 * one fails before its first byte with a rate limit, a 5xx, a timeout or a connection error. Once a stream has
 * produced an event it is never switched. The target that answers is reported to the request's observer
 * (the `x-optiproxy-target` header). Approaches call it like any provider, so each internal call may fail over.
 * @example const smart = createRoutingGroup({ id: 'smart', strategy: 'fallback', targets, failureThreshold: 3, cooldownMs: 30_000 })
 */
export function createRoutingGroup(
  settings: RoutingGroupSettings,
): Provider & { readonly states: () => Array<{ target: string; resting: boolean; inFlight: number }> } {
  const random = settings.random ?? Math.random
  // a client's own key (bring-your-own-key) is for one provider: the group's first target's. A target on another
  // provider uses that provider's own key, or fails as unauthenticated; it never receives the client's key.
  const keyProviderId = settings.targets[0]?.providerId
  const optionsFor = (state: TargetState, options: ProviderCallOptions): ProviderCallOptions => {
    if (options.apiKey === undefined || state.target.providerId === keyProviderId) return options
    const { apiKey: _clientKey, ...rest } = options
    return rest
  }
  const states: TargetState[] = settings.targets.map((target) => ({
    target,
    label: `${target.providerId}/${target.model}`,
    inFlight: 0,
    consecutiveFailures: 0,
    restingUntil: 0,
  }))

  function order(): TargetState[] {
    const now = Date.now()
    const awake = states.filter((state) => state.restingUntil <= now)
    const candidates = awake.length === 0 ? [...states] : awake
    if (settings.strategy === 'least-busy') return [...candidates].sort((a, b) => a.inFlight - b.inFlight)
    if (settings.strategy === 'weighted') {
      const total = candidates.reduce((sum, state) => sum + state.target.weight, 0)
      let draw = random() * total
      const first = candidates.find((state) => (draw -= state.target.weight) < 0) ?? (candidates[0] as TargetState)
      return [first, ...candidates.filter((state) => state !== first)]
    }
    return candidates
  }

  const succeed = (state: TargetState): void => {
    state.consecutiveFailures = 0
    state.restingUntil = 0
  }
  const fail = (state: TargetState, error: ProxyError): void => {
    if (!shouldFallBack(error)) return
    state.consecutiveFailures++
    if (state.consecutiveFailures >= settings.failureThreshold) state.restingUntil = Date.now() + settings.cooldownMs
  }
  const noTargetError = (): ProxyError =>
    new ProxyError(`No target of '${settings.id}' could answer.`, { status: 502, type: 'upstream_error', code: 'no_target_available', isRetryable: true })

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    let last: ProxyError | undefined
    const targets = order()
    for (const state of targets) {
      state.inFlight++
      try {
        const result = await state.target.provider.generate({ ...request, model: state.target.model }, optionsFor(state, options))
        succeed(state)
        options.observer?.targetChosen?.(state.label)
        return result
      } catch (error) {
        last = toProxyError(error)
        fail(state, last)
        if (!shouldFallBack(last) || options.signal.aborted) throw last
        reportFailover(options, last, state, targets)
      } finally {
        state.inFlight--
      }
    }
    throw last ?? noTargetError()
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    let last: ProxyError | undefined
    const targets = order()
    for (const state of targets) {
      state.inFlight++
      const iterator = state.target.provider.stream({ ...request, model: state.target.model }, optionsFor(state, options))[Symbol.asyncIterator]()
      let committed = false
      try {
        const first = await iterator.next()
        if (first.done === true) {
          succeed(state)
          return
        }
        if (first.value.type === 'error') {
          last = first.value.error
          fail(state, last)
          void iterator.return?.(undefined)
          if (!shouldFallBack(last) || options.signal.aborted) break
          reportFailover(options, last, state, targets)
          continue
        }
        committed = true
        options.observer?.targetChosen?.(state.label)
        yield first.value
        let failure: ProxyError | undefined
        for (;;) {
          const next = await iterator.next()
          if (next.done === true) break
          if (next.value.type === 'error') failure = next.value.error
          yield next.value
        }
        if (failure === undefined) succeed(state)
        else fail(state, failure)
        return
      } finally {
        state.inFlight--
        if (committed) void iterator.return?.(undefined)
      }
    }
    yield { type: 'error', error: last ?? noTargetError() }
  }

  async function listModels(): Promise<ModelInfo[] | undefined> {
    return [{ id: settings.id }]
  }

  return {
    id: settings.id,
    generate,
    stream,
    listModels,
    states: () => states.map((state) => ({ target: state.label, resting: state.restingUntil > Date.now(), inFlight: state.inFlight })),
  }
}
