import type { ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'

/** One upstream call as a middleware sees it: the canonical request and the call's options (signal, key, deadlines). */
export interface ProviderCall {
  request: ModelRequest
  options: ProviderCallOptions
}

/**
 * One entry of a provider's middleware list, in the style of the Vercel AI SDK's language-model middleware. Every
 * hook is optional; the first entry of a list is the outermost: it transforms the call first and wraps the others.
 * - `transformRequest` rewrites the call before it goes further in (provider defaults, per-request context);
 * - `wrapGenerate` / `wrapStream` run around the rest of the chain: `doGenerate()` / `doStream()` call it with the
 *   (transformed) call, or with a call of their own (a deadline's signal);
 * - `wrapListModels` answers or adjusts the model list (a configured fixed list).
 */
export interface ProviderMiddleware {
  /** For traces of the chain and the tests that check its order. */
  readonly name: string
  transformRequest?(call: ProviderCall, kind: 'generate' | 'stream'): ProviderCall
  wrapGenerate?(input: { doGenerate: (call?: ProviderCall) => Promise<ModelResult>; call: ProviderCall; provider: Provider }): Promise<ModelResult>
  wrapStream?(input: { doStream: (call?: ProviderCall) => AsyncIterable<StreamEvent>; call: ProviderCall; provider: Provider }): AsyncIterable<StreamEvent>
  wrapListModels?(input: {
    doListModels: () => Promise<ModelInfo[] | undefined>
    options: ProviderCallOptions
    provider: Provider
  }): Promise<ModelInfo[] | undefined>
}
