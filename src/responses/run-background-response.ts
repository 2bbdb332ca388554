import { ProxyError, toProxyError } from '../core/proxy-error.js'
import { readApproachFields } from '../openai/parse-chat-completions-request.js'
import { createModelRequest } from '../openai/parse-responses-request.js'
import { createResponsesEventBuilder } from '../openai/responses-event-builder.js'
import { isTerminalStatus } from '../openai/responses-object.js'
import { planRequest } from '../plan/plan-request.js'
import { runRequestPlan, type PipelineDependencies } from '../approach-runtime/run-approach.js'
import type { ResponseStore } from '../storage/response-store.js'
import type { BackgroundJob } from './background-runs.js'
import type { AppOperations } from '../operations/app-operations.js'
import { observeBackgroundRun } from '../operations/observe-background-run.js'

/**
 * Runs one stored background response: `in_progress`, the approach's events appended to the response's event
 * log as they come, and the final object. A refused append (the run was cancelled or declared dead elsewhere)
 * stops the run and every upstream call under it.
 * @example await runBackgroundResponse({ pipeline, store }, { id }, controller.signal)
 */
export async function runBackgroundResponse(
  dependencies: { pipeline: PipelineDependencies; store: ResponseStore; operations?: AppOperations },
  job: BackgroundJob,
  signal: AbortSignal,
): Promise<void> {
  const { store } = dependencies
  const record = await store.get(job.id)
  if (record === undefined || record.body === undefined || isTerminalStatus(record.response.status)) return
  const controller = new AbortController()
  const stop = (): void => controller.abort(signal.reason)
  signal.addEventListener('abort', stop, { once: true })
  const builder = createResponsesEventBuilder(record.response, record.nextSequenceNumber ?? 0)
  // the same operations as a foreground request: metrics under its approach, its key's token limit, a log line
  const observation =
    dependencies.operations === undefined
      ? undefined
      : observeBackgroundRun(dependencies.operations, job, { model: record.response.model, ...(job.approach === undefined ? {} : { approach: job.approach }) })
  let failure: unknown
  const fail = (error: unknown): Promise<unknown> => {
    const reason = controller.signal.aborted && controller.signal.reason instanceof ProxyError ? controller.signal.reason : toProxyError(error)
    failure = reason
    return store.finish(job.id, () => ({ response: builder.response, events: builder.fail(reason) }))
  }
  try {
    if (!(await store.appendEvents(job.id, builder.begin(), builder.response))) return
    // the plan the request made when it was accepted, rebuilt from what it stored (the body and the items): the
    // same approaches, options and deadlines (`optiproxy.timeouts` reach every call of the run)
    const plan = planRequest(
      { request: createModelRequest(record.body, [...record.historyItems, ...record.inputItems]), ...readApproachFields(record.body), streaming: true },
      dependencies.pipeline,
    )
    const { events } = runRequestPlan(dependencies.pipeline, plan, {
      signal: controller.signal,
      ...(job.apiKey === undefined ? {} : { apiKey: job.apiKey }),
      trace: { id: job.requestId ?? job.id, route: 'background' },
      ...(observation === undefined ? {} : { observer: observation.observer }),
    })
    for await (const event of events) {
      if (event.type === 'error') {
        await fail(event.error)
        return
      }
      const written = builder.write(event)
      if (written.length > 0 && !(await store.appendEvents(job.id, written))) {
        // the run ended elsewhere (cancelled): stop everything it still has in flight
        controller.abort(new ProxyError('The response already ended.', { status: 409, type: 'conflict_error' }))
        failure = controller.signal.reason
        return
      }
    }
    await store.finish(job.id, () => ({ response: builder.response, events: builder.complete() }))
  } catch (error) {
    await fail(error).catch(() => undefined)
  } finally {
    signal.removeEventListener('abort', stop)
    observation?.end(failure)
  }
}
