import type { ModelResult } from '../../src/core/model-result.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'
import type { ProviderCall, ProviderMiddleware } from './provider-middleware.js'

type Generate = (call: ProviderCall) => Promise<ModelResult>
type Stream = (call: ProviderCall) => AsyncIterable<StreamEvent>
type ListModels = (options: ProviderCallOptions) => Promise<ModelInfo[] | undefined>

/**
 * A provider wrapped by a list of middlewares, the first the outermost: one provider object whose calls run
 * through one composed function per kind (no provider object per layer). Entries without a hook for a kind cost
 * nothing on that kind's path; an empty list returns the provider itself.
 * @example const provider = wrapProvider(base, [instrumentation, concurrency, timeouts, retry, defaults])
 */
export function wrapProvider(provider: Provider, middlewares: ReadonlyArray<ProviderMiddleware>): Provider {
  if (middlewares.length === 0) return provider
  let generate: Generate = (call) => provider.generate(call.request, call.options)
  let stream: Stream = (call) => provider.stream(call.request, call.options)
  let listModels: ListModels = (options) => provider.listModels(options)
  for (let index = middlewares.length - 1; index >= 0; index--) {
    const middleware = middlewares[index] as ProviderMiddleware
    generate = composeGenerate(middleware, generate, provider)
    stream = composeStream(middleware, stream, provider)
    listModels = composeListModels(middleware, listModels, provider)
  }
  const composedGenerate = generate
  const composedStream = stream
  const composedListModels = listModels
  return {
    id: provider.id,
    generate: (request, options) => composedGenerate({ request, options }),
    stream: (request, options) => composedStream({ request, options }),
    listModels: (options) => composedListModels(options),
  }
}

function composeGenerate(middleware: ProviderMiddleware, inner: Generate, provider: Provider): Generate {
  const { transformRequest, wrapGenerate } = middleware
  if (transformRequest === undefined && wrapGenerate === undefined) return inner
  return (given) => {
    const call = transformRequest === undefined ? given : transformRequest.call(middleware, given, 'generate')
    if (wrapGenerate === undefined) return inner(call)
    return wrapGenerate.call(middleware, { doGenerate: (next) => inner(next ?? call), call, provider })
  }
}

function composeStream(middleware: ProviderMiddleware, inner: Stream, provider: Provider): Stream {
  const { transformRequest, wrapStream } = middleware
  if (transformRequest === undefined && wrapStream === undefined) return inner
  return (given) => {
    const call = transformRequest === undefined ? given : transformRequest.call(middleware, given, 'stream')
    if (wrapStream === undefined) return inner(call)
    return wrapStream.call(middleware, { doStream: (next) => inner(next ?? call), call, provider })
  }
}

function composeListModels(middleware: ProviderMiddleware, inner: ListModels, provider: Provider): ListModels {
  const { wrapListModels } = middleware
  if (wrapListModels === undefined) return inner
  return (options) => wrapListModels.call(middleware, { doListModels: () => inner(options), options, provider })
}
