import type { ModelResult } from './model-result.js'
import type { ModelRequest } from './request.js'
import type { StreamEvent } from './stream-event.js'
import type { ProxyError } from './proxy-error.js'
import type { Usage } from './usage.js'

export interface ProviderCallOptions {
  /** Aborts the upstream call: the client left, the request timed out, or an approach no longer needs it. */
  signal: AbortSignal
  /** The client's own upstream key (bring-your-own-key), used when the proxy has none configured. */
  apiKey?: string
  /** Time to connect to the upstream (TCP and TLS); a provider that opens its own connections honours it. */
  connectTimeoutMs?: number
  /** Time for the upstream to start answering (its status line); tighter than the provider's own setting wins. */
  firstByteTimeoutMs?: number
  /** The request's own deadlines (`optiproxy.timeouts`); a provider's deadline wrapper takes the tighter of these and its own. */
  requestTimeouts?: { connectMs?: number; firstByteMs?: number; totalMs?: number; idleMs?: number }
  /** Who wants to hear about the upstream calls of this request (logs, metrics, the chosen-target header). */
  observer?: UpstreamCallObserver
  /** Who wants to hear about each attempt of this one call (the request trace): retries and failovers. */
  attempts?: UpstreamAttemptObserver
}

/**
 * The attempts of ONE call, as the layers that repeat it report them: the retry middleware, a routing group's
 * failover, and each concrete provider call as instrumented. The call ledger turns them into trace spans.
 */
export interface UpstreamAttemptObserver {
  /** A concrete provider call ended (successful or not). */
  attemptEnded?(report: UpstreamCallReport): void
  /** The upstream failed and the retry middleware sends the same request again (`retry` counts from 1). */
  retrying?(failure: ProxyError, retry: number): void
  /** A routing group's target failed and the next target (`provider/model`) gets the call. */
  failingOver?(failure: ProxyError, from: string, to: string): void
}

/** One finished upstream call, as the operations wrapper reports it. */
export interface UpstreamCallReport {
  provider: string
  model: string
  kind: 'generate' | 'stream'
  /** Undefined when the call succeeded. */
  failure?: ProxyError
  usage?: Usage
}

export interface UpstreamCallObserver {
  /** The approach the calls run under (a metrics label). */
  approach?: string
  callEnded?(report: UpstreamCallReport): void
  /** A routing group chose this target (`provider/model`) for the answer. */
  targetChosen?(target: string): void
}

export interface ModelInfo {
  id: string
  created?: number
  ownedBy?: string
}

/**
 * A model vendor behind the proxy. It translates the canonical request to its vendor API and the vendor's
 * answers back to canonical results and events; nothing else in the proxy knows the vendor's wire format.
 */
export interface Provider {
  readonly id: string
  /** One whole answer. Throws a ProxyError on failure. */
  generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult>
  /** The answer as it arrives. Never throws: every failure, before or after the first event, is an `error` event. */
  stream(request: ModelRequest, options: ProviderCallOptions): AsyncIterable<StreamEvent>
  /** The vendor's model list; undefined when the vendor has no list endpoint. */
  listModels(options: ProviderCallOptions): Promise<ModelInfo[] | undefined>
}
