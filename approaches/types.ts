import type { z } from 'zod'
import type { ModelResult } from '../src/core/model-result.js'
import type { ModelRequest } from '../src/core/request.js'
import type { StreamEvent } from '../src/core/stream-event.js'

/**
 * What an approach gets to work with. It never sees a provider or a wire format: `generate` and `stream`
 * are already routed to the target model, carry the request's AbortSignal and credentials, and are counted.
 */
export interface ApproachContext<Options> {
  /** The client's request, with the approach prefix already removed from the model name. */
  readonly request: ModelRequest
  readonly options: Options
  /** Aborts when the client leaves or the request times out. */
  readonly signal: AbortSignal
  /** True when the client reads a stream (the approach may then stream its final step). */
  readonly streaming: boolean
  generate(request: ModelRequest): Promise<ModelResult>
  stream(request: ModelRequest): AsyncIterable<StreamEvent>
}

export interface Approach<Options = unknown> {
  /** The OptiLLM-compatible slug: 'none', 'bon', 'moa', ... */
  readonly id: string
  readonly description: string
  readonly optionsSchema: z.ZodType<Options>
  run(context: ApproachContext<Options>): AsyncIterable<StreamEvent>
}
