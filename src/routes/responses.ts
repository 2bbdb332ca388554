import type { Context } from 'hono'
import { z } from 'zod'
import { createInvalidRequestError, ProxyError, toProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'
import { createModelRequest, parseResponsesRequest } from '../openai/parse-responses-request.js'
import { createResponsesEventBuilder } from '../openai/responses-event-builder.js'
import type { ResponseItem } from '../openai/responses-items.js'
import { createResponseObject, isTerminalEvent, isTerminalStatus, type ResponsesStreamEvent } from '../openai/responses-object.js'
import { createLoggedEventsWriter, createResponsesStreamWriter, type LoggedResponsesEvent } from '../openai/responses-writer.js'
import type { ResponsesService } from '../responses/responses-service.js'
import { prepareRequest } from '../operations/prepare-request.js'
import type { RequestPlan } from '../plan/plan-request.js'
import { runRequestPlan, upstreamCallsHeader } from '../approach-runtime/run-approach.js'
import { createErrorResponse, respondWithEventStream } from '../http/sse-writer.js'
import type { StoredResponse } from '../storage/response-store.js'
import type { AppEnv, RouteDependencies } from './route-dependencies.js'
import { readJsonBody } from '../http/read-json-body.js'
import { readClientIdentity } from '../middleware/client-identity.js'

type ErrorEvent = Extract<StreamEvent, { type: 'error' }>

function createNotFoundError(id: string): ProxyError {
  return new ProxyError(`Response with id '${id}' not found.`, { status: 404, type: 'invalid_request_error', param: 'response_id', code: 'not_found' })
}

/** The stored response when it exists and belongs to this client; anyone else gets the same 404 as for no response. */
async function loadResponse(service: ResponsesService, id: string, owner: string): Promise<StoredResponse> {
  const record = await service.store.get(id)
  if (record === undefined || record.owner !== owner) throw createNotFoundError(id)
  return record
}

/** Whether a finished run logged any event after `startingAfter` (its log is complete, so reading stops at once). */
async function hasEventsAfter(service: ResponsesService, id: string, startingAfter: number, signal: AbortSignal): Promise<boolean> {
  const reading = AbortSignal.any([signal, service.shutdownSignal])
  for await (const _event of service.store.readEvents(id, startingAfter, reading)) return true
  return false
}

/** A run's logged events from `startingAfter` on; a follow cut short (shutdown) ends with an error. */
async function* followEvents(
  service: ResponsesService,
  id: string,
  startingAfter: number,
  signal: AbortSignal,
): AsyncGenerator<LoggedResponsesEvent | ErrorEvent> {
  for await (const event of service.store.readEvents(id, startingAfter, AbortSignal.any([signal, service.shutdownSignal]))) {
    yield { type: 'responses-event', event }
    if (isTerminalEvent(event)) return
  }
  // the log ended without a terminal event: the response expired or was deleted, or this instance is stopping
  if (!service.shutdownSignal.aborted) return
  yield {
    type: 'error',
    error: new ProxyError(
      'The stream ended before the response finished (the instance is shutting down): retrieve the response or resume with starting_after.',
      {
        status: 503,
        type: 'server_error',
        code: 'stream_interrupted',
      },
    ),
  }
}

function streamLogged(c: Context<AppEnv>, dependencies: RouteDependencies, service: ResponsesService, id: string, startingAfter: number): Promise<Response> {
  const outgoing = c.env.outgoing
  service.trackFollower(new Promise((resolve) => outgoing.once('close', () => resolve())))
  return respondWithEventStream(followEvents(service, id, startingAfter, c.req.raw.signal), createLoggedEventsWriter(startingAfter), {
    keepAliveMs: dependencies.keepAliveMs,
    outgoing: c.env.outgoing,
    headers: { 'x-request-id': c.get('record').id },
  })
}

/** POST /v1/responses */
export function createResponsesHandler(dependencies: RouteDependencies, service: ResponsesService) {
  return async function handleCreateResponse(c: Context<AppEnv>): Promise<Response> {
    const parsed = parseResponsesRequest(await readJsonBody(c, dependencies.bodyLimitBytes, dependencies.operations.limits.maxJsonDepth))
    let historyItems: ResponseItem[] = []
    const owner = readClientIdentity(c)
    if (parsed.previousResponseId !== undefined) {
      const previous = await service.store.get(parsed.previousResponseId)
      if (previous === undefined || previous.owner !== owner) {
        throw new ProxyError(`Previous response with id '${parsed.previousResponseId}' not found.`, {
          status: 404,
          type: 'invalid_request_error',
          param: 'previous_response_id',
          code: 'previous_response_not_found',
        })
      }
      historyItems = [...previous.historyItems, ...previous.inputItems, ...previous.response.output]
    }
    const request = createModelRequest(parsed.body, [...historyItems, ...parsed.inputItems])
    const approachInput = { request, approachField: parsed.approachField, approachFieldName: parsed.approachFieldName, optiproxy: parsed.optiproxy }
    // the operator's limits, the key's allowed models and approaches, per-request timeouts, logs and metrics, as on Chat Completions
    const prepared = prepareRequest(c, dependencies, [{ ...stripUndefined(approachInput), streaming: parsed.streaming, includeUsage: false }], parsed.streaming)
    const { scope } = prepared
    const plan = prepared.plans[0] as RequestPlan

    if (parsed.background) {
      // planned now (a 400 comes now, not in the run); the run rebuilds the same plan from the stored body and items
      const builder = createResponsesEventBuilder(createResponseObject(parsed.body, { model: plan.request.model, status: 'queued' }))
      const startEvents = builder.start()
      const id = builder.response.id
      await service.store.save({
        response: builder.response,
        owner,
        inputItems: parsed.inputItems,
        historyItems,
        body: parsed.body,
        nextSequenceNumber: builder.nextSequenceNumber,
      })
      await service.store.appendEvents(id, startEvents)
      try {
        const record = c.get('record')
        await service.runs.enqueue({
          id,
          requestId: record.id,
          ...(scope.apiKey === undefined ? {} : { apiKey: scope.apiKey }),
          ...(record.apiKeyName === undefined ? {} : { apiKeyName: record.apiKeyName }),
          ...(record.approach === undefined ? {} : { approach: record.approach }),
        })
      } catch (error) {
        // never left queued: the response ends failed, and the client gets the error
        await service.store.finish(id, () => ({ response: builder.response, events: builder.fail(toProxyError(error)) }))
        throw error
      }
      if (parsed.streaming) return streamLogged(c, dependencies, service, id, -1)
      return c.json(builder.response)
    }

    const run = runRequestPlan(dependencies.pipeline, plan, scope)
    const events = prepared.supervise(run.events)
    const callCount = upstreamCallsHeader(() => run.upstreamCalls())
    const builder = createResponsesEventBuilder(createResponseObject(parsed.body, { model: run.request.model, status: 'in_progress' }))
    // the answer is already generated (and paid for) when it is stored: storing is best-effort, and a store that
    // fails (Redis down) is logged, never turned into an error for the client
    const save = async (): Promise<void> => {
      if (!parsed.store) return
      try {
        await service.store.save({ response: builder.response, owner, inputItems: parsed.inputItems, historyItems })
      } catch (error) {
        dependencies.operations.logger.warn(
          {
            request_id: c.get('record').id,
            response_id: builder.response.id,
            err: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error),
          },
          'could not store the response; answered without storing it',
        )
      }
    }
    if (!parsed.streaming) {
      try {
        for await (const event of events) {
          if (event.type === 'error') throw event.error
          builder.write(event)
        }
        builder.complete()
      } catch (error) {
        return createErrorResponse(error, { ...prepared.headers, ...callCount.read() })
      }
      await save()
      return c.json(builder.response, 200, { ...prepared.headers, ...callCount.read() })
    }

    let terminal: ResponsesStreamEvent[] | undefined
    const written = (async function* (): AsyncGenerator<StreamEvent> {
      let produced = false
      for await (const event of events) {
        if (event.type === 'error') {
          // a failure before any output is answered with its own status and stored nowhere
          if (produced) {
            terminal = builder.fail(event.error)
            await save()
          }
          yield event
          return
        }
        if (!produced && parsed.store) {
          // from its first event on, the client knows the id: a retrieve meanwhile finds the response in_progress
          // (not awaited: the first bytes do not wait for the store, whose writes stay in order)
          void save()
        }
        produced = true
        yield event
      }
      terminal = builder.complete()
      await save()
    })()
    return respondWithEventStream(
      written,
      createResponsesStreamWriter(builder, () => terminal),
      {
        keepAliveMs: dependencies.keepAliveMs,
        outgoing: c.env.outgoing,
        headers: prepared.headers,
        trailers: callCount,
      },
    )
  }
}

function stripUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> }
}

const retrieveQuerySchema = z.object({
  stream: z.enum(['true', 'false']).optional(),
  starting_after: z.coerce.number().int().min(-1).optional(),
})

/** GET /v1/responses/{id} (with `stream=true&starting_after=N`: replay the run's events and follow it live) */
export function createRetrieveResponseHandler(dependencies: RouteDependencies, service: ResponsesService) {
  return async function handleRetrieveResponse(c: Context<AppEnv>): Promise<Response> {
    const id = c.req.param('id') ?? ''
    const query = retrieveQuerySchema.safeParse(c.req.query())
    if (!query.success)
      throw createInvalidRequestError(`Invalid query: ${query.error.issues[0]?.message ?? ''}`, String(query.error.issues[0]?.path[0] ?? ''), 'invalid_value')
    const record = await loadResponse(service, id, readClientIdentity(c))
    if (query.data.stream !== 'true') return c.json(record.response)
    if (!record.response.background)
      throw createInvalidRequestError('Only responses created with background=true can be streamed again.', 'stream', 'invalid_value')
    const startingAfter = query.data.starting_after ?? -1
    if (isTerminalStatus(record.response.status) && !(await hasEventsAfter(service, id, startingAfter, c.req.raw.signal))) {
      // a finished run with nothing after `starting_after`: an empty stream, not an error
      return new Response('', { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } })
    }
    return streamLogged(c, dependencies, service, id, startingAfter)
  }
}

/** DELETE /v1/responses/{id} */
export function createDeleteResponseHandler(service: ResponsesService) {
  return async function handleDeleteResponse(c: Context<AppEnv>): Promise<Response> {
    const id = c.req.param('id') ?? ''
    await loadResponse(service, id, readClientIdentity(c))
    if (!(await service.store.delete(id))) throw createNotFoundError(id)
    // a run still going for it stops: its next append is refused
    await service.runs.cancel(id)
    return c.json({ id, object: 'response', deleted: true })
  }
}

/** POST /v1/responses/{id}/cancel: idempotent; stops the run wherever it executes. */
export function createCancelResponseHandler(service: ResponsesService) {
  return async function handleCancelResponse(c: Context<AppEnv>): Promise<Response> {
    const id = c.req.param('id') ?? ''
    const owner = readClientIdentity(c)
    const record = await loadResponse(service, id, owner)
    if (!record.response.background) throw createInvalidRequestError('Only responses created with background=true can be cancelled.', null, 'invalid_value')
    const outcome = await service.store.finish(id, (current, nextSequenceNumber) => {
      if (isTerminalStatus(current.response.status)) return undefined
      const response = { ...current.response, status: 'cancelled' as const, completed_at: Math.floor(Date.now() / 1000) }
      // the Responses stream has no cancelled event: followers get response.failed with the cancelled object
      return { response, events: [{ type: 'response.failed', response, sequence_number: nextSequenceNumber }] }
    })
    await service.runs.cancel(id)
    const response = outcome?.response ?? (await loadResponse(service, id, owner)).response
    if (response.status !== 'cancelled') throw createInvalidRequestError(`Cannot cancel a response with status '${response.status}'.`, null, 'invalid_value')
    return c.json(response)
  }
}

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().optional(),
})

/** GET /v1/responses/{id}/input_items */
export function createListInputItemsHandler(service: ResponsesService) {
  return async function handleListInputItems(c: Context<AppEnv>): Promise<Response> {
    const id = c.req.param('id') ?? ''
    const query = listQuerySchema.safeParse(c.req.query())
    if (!query.success)
      throw createInvalidRequestError(`Invalid query: ${query.error.issues[0]?.message ?? ''}`, String(query.error.issues[0]?.path[0] ?? ''), 'invalid_value')
    const record = await loadResponse(service, id, readClientIdentity(c))
    const items = query.data.order === 'asc' ? record.inputItems : [...record.inputItems].reverse()
    const start = query.data.after === undefined ? 0 : items.findIndex((item) => item.id === query.data.after) + 1
    const data = items.slice(start, start + query.data.limit)
    return c.json({ object: 'list', data, first_id: data[0]?.id ?? '', last_id: data.at(-1)?.id ?? '', has_more: start + data.length < items.length })
  }
}
