import type { UpstreamCallObserver } from '../core/provider.js'
import { toProxyError } from '../core/proxy-error.js'
import { createRecordObserver, createRequestRecord } from '../observability/request-record.js'
import type { AppOperations } from './app-operations.js'

/** What a background run is accounted under: the key that created it, and the request that did. */
export interface BackgroundRunAccount {
  /** The response id. */
  id: string
  /** The name of the proxy key that created the run (never the key). */
  apiKeyName?: string
  /** The id of the request that created it, so its log line and the run's can be joined. */
  requestId?: string
}

/** One run's accounting: the observer of the run's upstream calls, and the end of the run. */
export interface BackgroundRunObservation {
  observer: UpstreamCallObserver
  /** The run ended (with its error, if it failed): logs it, adds its tokens to its key's limit, counts its error. */
  end(failure?: unknown): void
}

/**
 * A background run under the same operations as a foreground request: every upstream call counted in the metrics
 * under the run's approach, one log line when it ends (key name, approach,
 * providers, upstream calls, tokens, status), and its tokens added to its key's per-minute token limit (the
 * request limit was taken when the run was created).
 * @example const observation = observeBackgroundRun(operations, account, { approach: 'moa', model })
 */
export function observeBackgroundRun(
  operations: AppOperations,
  account: BackgroundRunAccount,
  run: { approach?: string; model: string },
): BackgroundRunObservation {
  const record = createRequestRecord(account.requestId ?? account.id, 'POST', '/v1/responses')
  record.model = run.model
  record.streaming = true
  if (account.apiKeyName !== undefined) record.apiKeyName = account.apiKeyName
  if (run.approach !== undefined) record.approach = run.approach
  const observer = createRecordObserver(record, run.approach)

  return {
    observer,
    end(failure) {
      const { metrics, logger, rateLimiter } = operations
      const error = failure === undefined ? undefined : toProxyError(failure)
      if (error !== undefined)
        metrics.errors.inc({ type: metrics.labels.errorType.read(error.type), code: metrics.labels.errorCode.read(error.code ?? 'none') })
      const tokens = record.promptTokens + record.completionTokens
      if (record.apiKeyName !== undefined && tokens > 0) void rateLimiter.addTokens(record.apiKeyName, tokens)
      logger.info(
        {
          request_id: record.id,
          response_id: account.id,
          background: true,
          route: record.route,
          status: error === undefined ? 200 : error.status,
          duration_ms: Math.round(performance.now() - record.startedAt),
          ...(record.apiKeyName === undefined ? {} : { api_key_name: record.apiKeyName }),
          model: record.model,
          ...(record.approach === undefined ? {} : { approach: record.approach }),
          providers: [...record.providers],
          ...(record.target === undefined ? {} : { target: record.target }),
          upstream_calls: record.upstreamCalls,
          tokens_in: record.promptTokens,
          tokens_out: record.completionTokens,
          ...(error === undefined ? {} : { error: { type: error.type, code: error.code, status: error.status } }),
        },
        'background run',
      )
    },
  }
}
