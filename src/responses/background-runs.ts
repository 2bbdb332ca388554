import { ProxyError } from '../core/proxy-error.js'

/** A background run to start: the stored response's id and, with bring-your-own-key, the client's key. */
export interface BackgroundJob {
  id: string
  apiKey?: string
  /** The id of the request that created the run: its trace's id. */
  requestId?: string
}

/** Runs one background response to its end; the signal aborts when it is cancelled or the instance stops. */
export type RunBackgroundResponse = (job: BackgroundJob, signal: AbortSignal) => Promise<void>

/**
 * Where background runs execute: in this process (one instance) or on a Redis job queue that any instance
 * takes from (BullMQ). The store records each run's state; this only starts and stops the work.
 */
export interface BackgroundRuns {
  enqueue(job: BackgroundJob): Promise<void>
  /** Stops the run wherever it executes, with every upstream call it has in flight. */
  cancel(id: string): Promise<void>
  /** Takes no new runs, lets running ones finish for up to the drain time, then aborts the rest (they end failed). */
  close(): Promise<void>
}

/**
 * Why a run was stopped by its instance shutting down: its response ends failed with this message.
 * @example controller.abort(createShutdownError())
 */
export function createShutdownError(): ProxyError {
  return new ProxyError('The optiproxy instance running this response shut down before it finished.', {
    status: 503,
    type: 'server_error',
    code: 'instance_shutdown',
    isRetryable: true,
  })
}

/**
 * Why a run was stopped by a cancel.
 * @example controller.abort(createCancelledError())
 */
export function createCancelledError(): ProxyError {
  return new ProxyError('The response was cancelled.', { status: 499, type: 'server_error', code: 'response_cancelled' })
}
