import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { streamEventsFromResult } from '../../src/core/model-result.js'
import type { StepLabel } from '../../src/core/approach-step.js'
import type { ApproachContext } from '../../src/core/approach.js'

/**
 * The approach's last upstream call, answered to the client: streamed token by token when the client
 * streams, whole otherwise, labelled `step` (by default `answer`). Only choice 0 is passed on.
 * @example yield* runFinalStep(context, createFinalRequest(context.request, messages))
 */
export async function* runFinalStep(
  context: ApproachContext<unknown>,
  request: ModelRequest,
  step: StepLabel = { name: 'answer' },
): AsyncGenerator<StreamEvent> {
  const events = context.streaming ? context.stream(request, step) : streamEventsFromResult(await context.generate(request, step))
  for await (const event of events) {
    if ('choice' in event && event.choice !== 0) continue
    yield event
  }
}

/**
 * An answer the approach already has (a vote winner, the best-rated candidate), given to the client as the
 * final answer: there is no final generation to stream.
 * @example yield* emitAnswer(best.text)
 */
export function* emitAnswer(text: string): Generator<StreamEvent> {
  yield { type: 'text-delta', choice: 0, delta: text }
  yield { type: 'finish', choice: 0, finishReason: 'stop' }
}
