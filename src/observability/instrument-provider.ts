import type { Provider, ProviderCallOptions } from '../../providers/types.js'
import type { ModelResult } from '../core/model-result.js'
import { toProxyError, type ProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import type { ProviderHealth } from '../operations/provider-health.js'
import type { ProxyMetrics } from './metrics.js'
import type { RequestRecord } from './request-record.js'

export interface ProviderInstrumentation {
  metrics: ProxyMetrics
  health: ProviderHealth
  record: RequestRecord
}

/**
 * Counts each upstream call of one request: the call itself (by provider, approach and outcome), its duration,
 * the tokens it used (by provider and model), the provider's health, and the request's own record for its log line.
 * @example const provider = instrumentProvider(base, { metrics, health, record })
 */
export function instrumentProvider(provider: Provider, instrumentation: ProviderInstrumentation): Provider {
  const { metrics, health, record } = instrumentation
  const begin = (kind: 'generate' | 'stream') => {
    record.upstreamCalls++
    record.providers.add(provider.id)
    const startedAt = performance.now()
    return (request: ModelRequest, failure: ProxyError | undefined, usage: Usage | undefined): void => {
      const outcome = failure === undefined ? 'ok' : failure.status === 499 ? 'cancelled' : failure.type
      metrics.upstreamCalls.inc({ provider: provider.id, approach: record.approach ?? 'unknown', kind, outcome })
      metrics.upstreamDuration.observe({ provider: provider.id, kind, outcome }, (performance.now() - startedAt) / 1000)
      if (failure === undefined) health.recordSuccess(provider.id)
      else health.recordFailure(provider.id, failure)
      if (usage !== undefined) {
        record.promptTokens += usage.promptTokens
        record.completionTokens += usage.completionTokens
        metrics.tokens.inc({ provider: provider.id, model: request.model, direction: 'in' }, usage.promptTokens)
        metrics.tokens.inc({ provider: provider.id, model: request.model, direction: 'out' }, usage.completionTokens)
      }
    }
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    const end = begin('generate')
    try {
      const result = await provider.generate(request, options)
      end(request, undefined, result.usage)
      return result
    } catch (error) {
      end(request, toProxyError(error), undefined)
      throw error
    }
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    const end = begin('stream')
    let usage: Usage | undefined
    let failure: ProxyError | undefined
    let finished = false
    try {
      for await (const event of provider.stream(request, options)) {
        if (event.type === 'usage') usage = addUsage(usage, event.usage)
        else if (event.type === 'error') failure = event.error
        yield event
      }
      finished = true
    } finally {
      // a consumer that stopped reading ended the call: it counts as cancelled
      const outcome = finished ? failure : (failure ?? toProxyError(new DOMException('The operation was aborted.', 'AbortError')))
      end(request, outcome, usage)
    }
  }

  return { id: provider.id, generate, stream, listModels: (options) => provider.listModels(options) }
}
