import type { ResponseItem } from '../openai/responses-items.js'
import type { ResponseObject, ResponsesStreamEvent } from '../openai/responses-object.js'
import type { ResponsesRequest } from '../openai/responses-schema.js'

/** One stored response: the object, what it was asked, and what a background run needs to run it. */
export interface StoredResponse {
  response: ResponseObject
  /** Who created it (see readClientIdentity): only the same client may read, chain on, follow, cancel or delete it. */
  owner: string
  /** This response's own input items (what `input_items` lists). */
  inputItems: ResponseItem[]
  /** The conversation before this input, from `previous_response_id` (not listed, but sent to the model). */
  historyItems: ResponseItem[]
  /** Background runs: the validated request, which the worker runs. */
  body?: ResponsesRequest
  /** Background runs: the sequence number the run's first own event gets (after the queued events). */
  nextSequenceNumber?: number
}

/** What ends a run: the final response object and the events that say so. */
export interface RunOutcome {
  response: ResponseObject
  events: ResponsesStreamEvent[]
}

/**
 * Where responses and their runs' events live. Two implementations: in memory (one instance, bounded by
 * LRU + TTL) and Redis (several instances; see redis-response-store.ts for the key layout).
 *
 * A run's events form an append-only log numbered by `sequence_number`, which readers replay from any point
 * and then follow live. A run ends exactly once: `finish` writes the final object and the terminal events
 * atomically, and every append or finish after that is refused, which is how a cancel (or a declared-dead
 * instance) fences off a run that is still producing.
 */
export interface ResponseStore {
  /** Creates or replaces a stored response. */
  save(record: StoredResponse): Promise<void>
  get(id: string): Promise<StoredResponse | undefined>
  /** Removes the response and its events; false when there was none. */
  delete(id: string): Promise<boolean>
  /**
   * Appends events of a running response, and replaces its stored object when `response` is given; false when the
   * run has already ended (the runner must stop).
   */
  appendEvents(id: string, events: ResponsesStreamEvent[], response?: ResponseObject): Promise<boolean>
  /**
   * Ends a run once: `decide` gets the stored response and the next sequence number, and returns the outcome
   * (or undefined to leave it). Returns the outcome written, or undefined when the run had already ended
   * (or the response does not exist).
   */
  finish(id: string, decide: (record: StoredResponse, nextSequenceNumber: number) => RunOutcome | undefined): Promise<RunOutcome | undefined>
  /**
   * The run's events after `startingAfter` (-1: all), then live ones until a terminal event. Ends early when
   * `signal` aborts.
   */
  readEvents(id: string, startingAfter: number, signal: AbortSignal): AsyncIterable<ResponsesStreamEvent>
  close(): Promise<void>
}
