import type { Context } from 'hono'
import { createMessagesResponder } from '../anthropic/messages-writer.js'
import { parseMessagesRequest, type ParsedMessagesRequest } from '../anthropic/parse-messages-request.js'
import type { ThinkingSigner } from '../anthropic/thinking-signature.js'
import type { NativeRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import { prepareRequest } from '../operations/prepare-request.js'
import { respondWithEvents } from '../http/respond.js'
import type { RequestPlan } from '../plan/plan-request.js'
import { runRequestPlan, upstreamCallsHeader } from '../approach-runtime/run-approach.js'
import type { AppEnv, RouteDependencies } from './route-dependencies.js'
import { readJsonBody } from '../http/read-json-body.js'

/** What the Anthropic routes add to the shared dependencies. */
export interface AnthropicRouteDependencies {
  /** Signs the thinking blocks made of an approach's intermediate work, and recognises them when they come back. */
  signer: ThinkingSigner
}

/** The header that lists what a translated request could not carry to its upstream. */
export const warningsHeader = 'x-optiproxy-warnings'

/** The warnings as one header value: printable ASCII only (names come from the client), at most 2000 characters. */
export function formatWarningsHeader(warnings: string[]): string {
  const text = `not carried to the upstream: ${warnings.join(', ')}`.replace(/[^\x20-\x7e]/g, '?')
  return text.length > 2000 ? `${text.slice(0, 1997)}...` : text
}

/**
 * The client's Anthropic request, kept for a provider that speaks Anthropic (a pass-through sends it as it came):
 * its `anthropic-beta` header goes along.
 */
export function createNativeRequest(c: Context<AppEnv>, parsed: ParsedMessagesRequest, operation: NativeRequest['operation']): NativeRequest {
  const beta = c.req.header('anthropic-beta')
  return { dialect: 'anthropic-messages', operation, body: parsed.nativeBody, headers: beta === undefined ? {} : { 'anthropic-beta': beta } }
}

/**
 * Tells the client (a header) and the operator (a log line) what translation could not carry, once the first event
 * shows the answer was translated; a native answer (Anthropic, passed through) lost nothing.
 */
async function* reportTranslation(events: AsyncIterable<StreamEvent>, report: () => void): AsyncGenerator<StreamEvent> {
  let decided = false
  for await (const event of events) {
    if (!decided) {
      decided = true
      if (event.type !== 'native' && event.type !== 'error') report()
    }
    yield event
  }
}

/** POST /v1/messages: the Anthropic Messages API, in front of every provider. */
export function createMessagesHandler(dependencies: RouteDependencies, anthropic: AnthropicRouteDependencies) {
  return async function handleMessages(c: Context<AppEnv>): Promise<Response> {
    const parsed = parseMessagesRequest(await readJsonBody(c, dependencies.bodyLimitBytes, dependencies.operations.limits.maxJsonDepth), anthropic.signer)
    const request = { ...parsed.request, native: createNativeRequest(c, parsed, 'messages') }
    const prepared = prepareRequest(c, dependencies, [{ ...parsed, request }], parsed.streaming)
    const { logger } = dependencies.operations
    const requestId = prepared.headers['x-request-id']
    if (parsed.droppedThinking.stale > 0) {
      logger.warn(
        { request_id: requestId, stale_thinking_blocks: parsed.droppedThinking.stale },
        "dropped thinking blocks in this proxy's format that its secret did not sign (set OPTIPROXY_THINKING_SECRET to share it)",
      )
    }
    const started = runRequestPlan(dependencies.pipeline, prepared.plans[0] as RequestPlan, prepared.scope)
    const responder = createMessagesResponder({ model: started.request.model, signer: anthropic.signer })
    const report = (): void => {
      if (parsed.warnings.length === 0) return
      prepared.headers[warningsHeader] = formatWarningsHeader(parsed.warnings)
      logger.warn(
        { request_id: requestId, model: started.request.model, not_carried: parsed.warnings },
        'an Anthropic request was translated; some of it could not be carried',
      )
    }
    return respondWithEvents(reportTranslation(prepared.supervise(started.events), report), responder, {
      streaming: parsed.streaming,
      keepAliveMs: dependencies.keepAliveMs,
      outgoing: c.env.outgoing,
      headers: prepared.headers,
      finalHeaders: upstreamCallsHeader(() => started.upstreamCalls()),
    })
  }
}
