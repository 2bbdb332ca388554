import { ProxyError, toProxyError } from '../core/proxy-error.js'
import { readApproachFields } from '../openai/parse-chat-completions-request.js'
import { createModelRequest } from '../openai/parse-responses-request.js'
import { createResponsesEventBuilder } from '../openai/responses-event-builder.js'
import { isTerminalStatus } from '../openai/responses-object.js'
import { startApproach, type PipelineDependencies } from '../run-approach.js'
import type { ResponseStore } from '../storage/response-store.js'
import type { BackgroundJob } from './background-runs.js'

/**
 * Runs one stored background response: `in_progress`, the approach's events appended to the response's event
 * log as they come, and the final object. A refused append (the run was cancelled or declared dead elsewhere)
 * stops the run and every upstream call under it.
 * @example await runBackgroundResponse({ pipeline, store }, { id }, controller.signal)
 */
export async function runBackgroundResponse(
  dependencies: { pipeline: PipelineDependencies; store: ResponseStore },
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
  const fail = (error: unknown): Promise<unknown> => {
    const reason = controller.signal.aborted && controller.signal.reason instanceof ProxyError ? controller.signal.reason : toProxyError(error)
    return store.finish(job.id, () => ({ response: builder.response, events: builder.fail(reason) }))
  }
  try {
    if (!(await store.appendEvents(job.id, builder.begin(), builder.response))) return
    const { events } = startApproach(
      dependencies.pipeline,
      { request: createModelRequest(record.body, [...record.historyItems, ...record.inputItems]), ...readApproachFields(record.body), streaming: true },
      { signal: controller.signal, ...(job.apiKey === undefined ? {} : { apiKey: job.apiKey }), trace: { id: job.requestId ?? job.id, route: 'background' } },
    )
    for await (const event of events) {
      if (event.type === 'error') {
        await fail(event.error)
        return
      }
      const written = builder.write(event)
      if (written.length > 0 && !(await store.appendEvents(job.id, written))) {
        // the run ended elsewhere (cancelled): stop everything it still has in flight
        controller.abort(new ProxyError('The response already ended.', { status: 409, type: 'conflict_error' }))
        return
      }
    }
    await store.finish(job.id, () => ({ response: builder.response, events: builder.complete() }))
  } catch (error) {
    await fail(error)
  } finally {
    signal.removeEventListener('abort', stop)
  }
}
