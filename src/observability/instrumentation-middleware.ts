import type { ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import type { ProviderCallOptions } from '../core/provider.js'
import type { ModelResult } from '../core/model-result.js'
import { toProxyError, type ProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import type { ProviderHealth } from '../operations/provider-health.js'
import type { ProxyMetrics } from './metrics.js'

/**
 * The instrumentation middleware: counts every upstream call of one provider: the call (by provider, the request's approach, kind and outcome),
 * its duration, the tokens it used (by provider and model), the provider's health; and tells the request's
 * observer (`options.observer`), which keeps the request's own tally for its log line.
 * @example wrapProvider(base, [createInstrumentationMiddleware(base.id, { metrics, health }), ...])
 */
export function createInstrumentationMiddleware(providerId: string, instrumentation: { metrics: ProxyMetrics; health: ProviderHealth }): ProviderMiddleware {
  const { metrics, health } = instrumentation
  const begin = (kind: 'generate' | 'stream', request: ModelRequest, options: ProviderCallOptions) => {
    const startedAt = performance.now()
    return (failure: ProxyError | undefined, usage: Usage | undefined): void => {
      const outcome = failure === undefined ? 'ok' : failure.status === 499 ? 'cancelled' : metrics.labels.errorType.read(failure.type)
      metrics.upstreamCalls.inc({ provider: providerId, approach: metrics.labels.approach.read(options.observer?.approach ?? 'unknown'), kind, outcome })
      metrics.upstreamDuration.observe({ provider: providerId, kind, outcome }, (performance.now() - startedAt) / 1000)
      if (failure === undefined) health.recordSuccess(providerId)
      else health.recordFailure(providerId, failure)
      if (usage !== undefined) {
        const model = metrics.labels.model.read(request.model)
        metrics.tokens.inc({ provider: providerId, model, direction: 'in' }, usage.promptTokens)
        metrics.tokens.inc({ provider: providerId, model, direction: 'out' }, usage.completionTokens)
      }
      const report = {
        provider: providerId,
        model: request.model,
        kind,
        ...(failure === undefined ? {} : { failure }),
        ...(usage === undefined ? {} : { usage }),
      }
      options.observer?.callEnded?.(report)
      options.attempts?.attemptEnded?.(report)
    }
  }

  async function wrapGenerate({ doGenerate, call }: Parameters<NonNullable<ProviderMiddleware['wrapGenerate']>>[0]): Promise<ModelResult> {
    const end = begin('generate', call.request, call.options)
    try {
      const result = await doGenerate()
      end(undefined, result.usage)
      return result
    } catch (error) {
      end(toProxyError(error), undefined)
      throw error
    }
  }

  async function* wrapStream({ doStream, call }: Parameters<NonNullable<ProviderMiddleware['wrapStream']>>[0]): AsyncGenerator<StreamEvent> {
    const end = begin('stream', call.request, call.options)
    let usage: Usage | undefined
    let failure: ProxyError | undefined
    let finished = false
    try {
      for await (const event of doStream()) {
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

  return { name: 'instrumentation', wrapGenerate, wrapStream }
}
