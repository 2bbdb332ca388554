import type { Context } from 'hono'
import { mergeAsyncIterables } from '../core/merge-async-iterables.js'
import type { StreamEvent } from '../core/stream-event.js'
import { createCompletionsResponder } from '../openai/completions-writer.js'
import { parseCompletionsRequest } from '../openai/parse-completions-request.js'
import { prepareRequest } from '../operations/prepare-request.js'
import { respondWithEvents } from '../http/respond.js'
import { runRequestPlan, upstreamCallsHeader } from '../approach-runtime/run-approach.js'
import type { AppEnv, RouteDependencies } from './route-dependencies.js'
import { readJsonBody } from '../http/read-json-body.js'

/** Renumbers one prompt's choices into the response's: prompt p's choice i is choice p * n + i. */
async function* renumberChoices(events: AsyncIterable<StreamEvent>, offset: number): AsyncGenerator<StreamEvent> {
  for await (const event of events) yield 'choice' in event ? { ...event, choice: event.choice + offset } : event
}

/**
 * POST /v1/completions (legacy). Each prompt runs through the same pipeline as a chat request with one user
 * turn; several prompts run concurrently and their choices are numbered as OpenAI numbers them.
 */
export function createCompletionsHandler(dependencies: RouteDependencies) {
  return async function handleCompletions(c: Context<AppEnv>): Promise<Response> {
    const parsed = parseCompletionsRequest(await readJsonBody(c, dependencies.bodyLimitBytes, dependencies.operations.limits.maxJsonDepth))
    const prepared = prepareRequest(
      c,
      dependencies,
      parsed.prompts.map((entry) => entry.clientRequest),
      parsed.streaming,
    )
    const { scope } = prepared
    // each prompt runs (and is traced) on its own: the first under the request id, the others as `<id>.<prompt>`
    const runs = prepared.plans.map((plan, prompt) =>
      runRequestPlan(
        dependencies.pipeline,
        plan,
        prompt === 0 || scope.trace === undefined ? scope : { ...scope, trace: { ...scope.trace, id: `${scope.trace.id}.${prompt}` } },
      ),
    )
    const events =
      runs.length === 1
        ? (runs[0] as (typeof runs)[number]).events
        : (async function* () {
            const renumbered = runs.map((run, prompt) => renumberChoices(run.events, prompt * parsed.n))
            for await (const { value } of mergeAsyncIterables(renumbered)) yield value
          })()
    const responder = createCompletionsResponder({
      model: (runs[0] as (typeof runs)[number]).request.model,
      includeUsage: parsed.includeUsage,
      prompts: parsed.prompts.map((entry) => entry.prompt),
      n: parsed.n,
      echo: parsed.echo,
    })
    return respondWithEvents(prepared.supervise(events), responder, {
      streaming: parsed.streaming,
      keepAliveMs: dependencies.keepAliveMs,
      outgoing: c.env.outgoing,
      headers: prepared.headers,
      finalHeaders: upstreamCallsHeader(() => runs.reduce((sum, run) => sum + run.upstreamCalls(), 0)),
    })
  }
}
