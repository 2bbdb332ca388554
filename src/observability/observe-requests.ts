import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { createAnthropicErrorResponse } from '../anthropic/anthropic-error-body.js'
import { isAnthropicPath } from '../anthropic/is-anthropic-path.js'
import { ProxyError } from '../core/proxy-error.js'
import type { AppOperations } from '../operations/app-operations.js'
import { createShuttingDownError } from '../operations/check-request-limits.js'
import type { AppEnv } from '../routes/route-dependencies.js'
import { createErrorResponse } from '../http/sse-writer.js'
import { createRequestRecord, type RequestRecord } from './request-record.js'

const requestIdPattern = /^[\w.:@/+=-]{1,200}$/

/** The client's `x-request-id` when it is a sane token, else a fresh one. */
export function readRequestId(header: string | undefined): string {
  return header !== undefined && requestIdPattern.test(header) ? header : `req_${randomUUID().replaceAll('-', '')}`
}

/** Routes that keep answering while the server drains (orchestrators poll them). */
const operationalRoutes = new Set(['/health', '/ready', '/metrics'])

/**
 * Every request: a request id (the client's `x-request-id` or a new one) returned in `x-request-id`, a record
 * the handlers fill in (approach, providers, upstream calls, tokens), one JSON log line and the request metrics
 * when the response has ended (a stream: when its last byte went out), and the in-flight count shutdown waits
 * for. While draining, new API requests get a 503 with `connection: close` (on /v1/messages: Anthropic's
 * `overloaded_error`, status 529).
 * @example app.use('*', observeRequests(operations))
 */
export function observeRequests(operations: AppOperations): MiddlewareHandler<AppEnv> {
  const { metrics, logger, lifecycle } = operations
  return async function observeRequestsMiddleware(c, next) {
    const record = createRequestRecord(readRequestId(c.req.header('x-request-id')), c.req.method, c.req.path)
    c.set('record', record)
    if (lifecycle.draining && !operationalRoutes.has(record.route)) {
      const respond = isAnthropicPath(c.req.path) ? createAnthropicErrorResponse : createErrorResponse
      c.res = respond(createShuttingDownError(), { 'x-request-id': record.id, connection: 'close' })
      complete(record, c.res.status)
      return
    }
    const finishRequest = lifecycle.startRequest()
    let completed = false
    const finish = (status: number): void => {
      if (completed) return
      completed = true
      finishRequest()
      complete(record, status)
    }
    try {
      await next()
    } catch (error) {
      // a throw that reaches here (from the not-found handler) is answered by the app's error handler
      finish(error instanceof ProxyError ? error.status : 500)
      throw error
    }
    const outgoing = c.env?.outgoing
    // a stream wrote its own headers (with the id); any other response gets the id here
    if (outgoing === undefined || !outgoing.headersSent) c.res.headers.set('x-request-id', record.id)
    if (outgoing === undefined || outgoing.writableFinished || outgoing.destroyed) finish(c.res.status)
    else outgoing.once('close', () => finish(outgoing.statusCode))
  }

  function complete(record: RequestRecord, status: number): void {
    const seconds = (performance.now() - record.startedAt) / 1000
    const labels = { route: record.route, status: String(status) }
    metrics.requests.inc(labels)
    const tokens = record.promptTokens + record.completionTokens
    if (record.apiKeyName !== undefined && tokens > 0) void operations.rateLimiter.addTokens(record.apiKeyName, tokens)
    metrics.requestDuration.observe(labels, seconds)
    if (operationalRoutes.has(record.route) && status < 400) return
    logger.info(
      {
        request_id: record.id,
        method: record.method,
        route: record.route,
        status,
        duration_ms: Math.round(seconds * 1000),
        ...(record.apiKeyName === undefined ? {} : { api_key_name: record.apiKeyName }),
        ...(record.model === undefined ? {} : { model: record.model }),
        ...(record.approach === undefined ? {} : { approach: record.approach }),
        ...(record.streaming === undefined ? {} : { stream: record.streaming }),
        providers: [...record.providers],
        ...(record.target === undefined ? {} : { target: record.target }),
        upstream_calls: record.upstreamCalls,
        tokens_in: record.promptTokens,
        tokens_out: record.completionTokens,
        ...(record.timeToFirstTokenSeconds === undefined ? {} : { ttft_ms: Math.round(record.timeToFirstTokenSeconds * 1000) }),
        ...(record.error === undefined ? {} : { error: record.error }),
        ...(record.messages === undefined ? {} : { messages: record.messages }),
      },
      'request',
    )
  }
}
