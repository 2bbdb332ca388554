import type { ProxyError } from '../core/proxy-error.js'

export interface ProviderHealthState {
  provider: string
  status: 'ok' | 'degraded'
  consecutiveFailures: number
  /** The last failure's code, when there was one. */
  lastError?: string
  /** Epoch ms of the last failure. */
  lastFailureAt?: number
}

/** How each provider has been answering: the source of /health's degraded list. One per app. */
export interface ProviderHealth {
  recordSuccess(provider: string): void
  /** Counts failures of the upstream (5xx, timeouts, connection errors, 429), not the client's mistakes or cancellations. */
  recordFailure(provider: string, error: ProxyError): void
  list(): ProviderHealthState[]
}

/** Whether a failure says something about the upstream's health. */
function isUpstreamFailure(error: ProxyError): boolean {
  return error.status !== 499 && (error.status >= 500 || error.status === 429)
}

/**
 * A provider is degraded after `failureThreshold` upstream failures in a row; one success makes it ok again.
 * @example const health = createProviderHealth(3); health.recordFailure('openai', error); health.list()
 */
export function createProviderHealth(failureThreshold: number): ProviderHealth {
  const states = new Map<string, ProviderHealthState>()
  const stateOf = (provider: string): ProviderHealthState => {
    let state = states.get(provider)
    if (state === undefined) {
      state = { provider, status: 'ok', consecutiveFailures: 0 }
      states.set(provider, state)
    }
    return state
  }
  return {
    recordSuccess(provider) {
      const state = stateOf(provider)
      state.consecutiveFailures = 0
      state.status = 'ok'
    },
    recordFailure(provider, error) {
      if (!isUpstreamFailure(error)) return
      const state = stateOf(provider)
      state.consecutiveFailures++
      state.lastError = error.code ?? error.type
      state.lastFailureAt = Date.now()
      if (state.consecutiveFailures >= failureThreshold) state.status = 'degraded'
    },
    list: () => [...states.values()].map((state) => ({ ...state })),
  }
}
