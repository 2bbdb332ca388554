import type { Context } from 'hono'
import { estimateInputTokens } from '../anthropic/estimate-input-tokens.js'
import { countTokensRequestSchema, type MessagesRequestBody } from '../anthropic/messages-request-schema.js'
import { parseMessagesRequest } from '../anthropic/parse-messages-request.js'
import { ProxyError } from '../core/proxy-error.js'
import { prepareRequest } from '../operations/prepare-request.js'
import type { RequestPlan } from '../plan/plan-request.js'
import { createNativeRequest, type AnthropicRouteDependencies } from './messages.js'
import type { AppEnv, RouteDependencies } from './route-dependencies.js'
import { readJsonBody } from '../http/read-json-body.js'
import type { z } from 'zod'

/** The count_tokens routes also need to know where a model goes. */
export interface CountTokensDependencies extends AnthropicRouteDependencies {
  /** True when the model (its approach prefix removed) is served by an Anthropic provider. */
  isAnthropicModel(model: string): boolean
}

/**
 * POST /v1/messages/count_tokens. A request that runs as `none` on an Anthropic model is counted by Anthropic's own
 * endpoint (through the same limits, deadlines and metrics as any upstream call); anything else (another vendor, or
 * an approach whose calls the count could not foresee) gets an estimate from a tokenizer, marked by
 * `x-optiproxy-token-count: estimate`.
 */
export function createCountTokensHandler(dependencies: RouteDependencies, anthropic: CountTokensDependencies) {
  return async function handleCountTokens(c: Context<AppEnv>): Promise<Response> {
    const body = await readJsonBody(c, dependencies.bodyLimitBytes, dependencies.operations.limits.maxJsonDepth)
    // count_tokens has no max_tokens: the translation needs one, and it plays no part in the count
    const schema = countTokensRequestSchema.transform((input) => ({ ...input, max_tokens: 1 })) as unknown as z.ZodType<MessagesRequestBody>
    const parsed = parseMessagesRequest(body, anthropic.signer, schema)
    const { max_tokens: _maxTokens, ...nativeBody } = parsed.nativeBody
    const prepared = prepareRequest(c, dependencies, [parsed], false)
    const plan = prepared.plans[0] as RequestPlan
    const model = plan.request.model
    const headers = { 'content-type': 'application/json', ...prepared.headers }
    // counted by Anthropic only when the client asked for a plain call (a `moa` request with tools runs `none`, yet
    // its client asked for an approach: an estimate, as for any approach)
    if (plan.passThrough && plan.requestedLabel === 'none' && anthropic.isAnthropicModel(model)) {
      const { scope } = prepared
      const native = { ...createNativeRequest(c, { ...parsed, nativeBody }, 'count-tokens') }
      const result = await dependencies.pipeline.provider.generate(
        { model, messages: [], extra: {}, native },
        {
          signal: scope.signal,
          ...(scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }),
          ...(scope.observer === undefined ? {} : { observer: scope.observer }),
          ...(plan.timeouts === undefined ? {} : { requestTimeouts: plan.timeouts }),
        },
      )
      const payload = result.native?.payload
      if (payload === undefined)
        throw new ProxyError('The upstream did not count the tokens.', { status: 502, type: 'upstream_error', code: 'upstream_invalid_response' })
      return new Response(JSON.stringify(payload), { status: 200, headers: { ...headers, 'x-optiproxy-token-count': 'anthropic' } })
    }
    return new Response(JSON.stringify({ input_tokens: await estimateInputTokens(parsed.request) }), {
      status: 200,
      headers: { ...headers, 'x-optiproxy-token-count': 'estimate' },
    })
  }
}
