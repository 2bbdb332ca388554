import type { Context } from 'hono'
import { createChatCompletionsResponder } from '../openai/chat-completions-writer.js'
import { parseChatCompletionsRequest } from '../openai/parse-chat-completions-request.js'
import { prepareRequest } from '../operations/prepare-request.js'
import { respondWithEvents } from '../http/respond.js'
import type { RequestPlan } from '../plan/plan-request.js'
import { runRequestPlan, upstreamCallsHeader } from '../approach-runtime/run-approach.js'
import type { AppEnv, RouteDependencies } from './route-dependencies.js'
import { readJsonBody } from '../http/read-json-body.js'

/** POST /v1/chat/completions */
export function createChatCompletionsHandler(dependencies: RouteDependencies) {
  return async function handleChatCompletions(c: Context<AppEnv>): Promise<Response> {
    const parsed = parseChatCompletionsRequest(await readJsonBody(c, dependencies.bodyLimitBytes, dependencies.operations.limits.maxJsonDepth))
    const prepared = prepareRequest(c, dependencies, [parsed], parsed.streaming)
    const started = runRequestPlan(dependencies.pipeline, prepared.plans[0] as RequestPlan, prepared.scope)
    const responder = createChatCompletionsResponder({ model: started.request.model, includeUsage: parsed.includeUsage })
    return respondWithEvents(prepared.supervise(started.events), responder, {
      streaming: parsed.streaming,
      keepAliveMs: dependencies.keepAliveMs,
      outgoing: c.env.outgoing,
      headers: prepared.headers,
      finalHeaders: upstreamCallsHeader(() => started.upstreamCalls()),
    })
  }
}
