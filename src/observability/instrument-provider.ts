import type { Provider, ProviderCallOptions } from '../../providers/types.js'
import type { ModelResult } from '../core/model-result.js'
import { toProxyError, type ProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import type { ProviderHealth } from '../operations/provider-health.js'
import type { ProxyMetrics } from './metrics.js'

/**
 * Counts every upstream call of one provider: the call (by provider, the request's approach, kind and outcome),
 * its duration, the tokens it used (by provider and model), the provider's health; and tells the request's
 * observer (`options.observer`), which keeps the request's own tally for its log line.
 * @example const provider = instrumentProvider(base, { metrics, health })
 */
export function instrumentProvider(provider: Provider, instrumentation: { metrics: ProxyMetrics; health: ProviderHealth }): Provider {
  const { metrics, health } = instrumentation
  const begin = (kind: 'generate' | 'stream', request: ModelRequest, options: ProviderCallOptions) => {
    const startedAt = performance.now()
    return (failure: ProxyError | undefined, usage: Usage | undefined): void => {
      const outcome = failure === undefined ? 'ok' : failure.status === 499 ? 'cancelled' : metrics.labels.errorType.read(failure.type)
      metrics.upstreamCalls.inc({ provider: provider.id, approach: metrics.labels.approach.read(options.observer?.approach ?? 'unknown'), kind, outcome })
      metrics.upstreamDuration.observe({ provider: provider.id, kind, outcome }, (performance.now() - startedAt) / 1000)
      if (failure === undefined) health.recordSuccess(provider.id)
      else health.recordFailure(provider.id, failure)
      if (usage !== undefined) {
        const model = metrics.labels.model.read(request.model)
        metrics.tokens.inc({ provider: provider.id, model, direction: 'in' }, usage.promptTokens)
        metrics.tokens.inc({ provider: provider.id, model, direction: 'out' }, usage.completionTokens)
      }
      const report = { provider: provider.id, model: request.model, kind, ...(failure === undefined ? {} : { failure }), ...(usage === undefined ? {} : { usage }) }
      options.observer?.callEnded?.(report)
      options.attempts?.attemptEnded?.(report)
    }
  }

  async function generate(request: ModelRequest, options: ProviderCallOptions): Promise<ModelResult> {
    const end = begin('generate', request, options)
    try {
      const result = await provider.generate(request, options)
      end(undefined, result.usage)
      return result
    } catch (error) {
      end(toProxyError(error), undefined)
      throw error
    }
  }

  async function* stream(request: ModelRequest, options: ProviderCallOptions): AsyncGenerator<StreamEvent> {
    const end = begin('stream', request, options)
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
      end(finished ? failure : (failure ?? toProxyError(new DOMException('The operation was aborted.', 'AbortError'))), usage)
    }
  }

  return { id: provider.id, generate, stream, listModels: (options) => provider.listModels(options) }
}
