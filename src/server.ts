import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Provider } from './core/provider.js'
import { createApp } from './app.js'
import type { Config } from './config.js'
import { createAppOperations, type AppOperations } from './operations/app-operations.js'

export interface RunningServer {
  url: string
  port: number
  server: ServerType
  /** Stops listening and closes every open connection. */
  close(): Promise<void>
  /**
   * Graceful shutdown: stops accepting connections, reports not ready, lets in-flight requests and streams
   * finish for up to `graceMs`, then ends what is still open with an error frame (a 503 before any byte) and
   * closes every connection. Resolves when everything is closed.
   */
  shutdown(graceMs: number): Promise<void>
  operations: AppOperations
}

/** Time the error frames of streams ended at shutdown get to reach their clients. */
const endingFlushMs = 2_000

/**
 * Starts the proxy on config.host:config.port (port 0 picks a free one).
 * @example const { url, close } = await startServer(loadConfig([], process.env))
 */
export function startServer(
  config: Config,
  overrides: { provider?: Provider; processMetrics?: boolean; logDestination?: NodeJS.WritableStream } = {},
): Promise<RunningServer> {
  const operations = createAppOperations(config, {
    processMetrics: overrides.processMetrics ?? false,
    ...(overrides.logDestination === undefined ? {} : { logDestination: overrides.logDestination }),
  })
  let closeResponses: (() => Promise<void>) | undefined
  let closePlugins: (() => Promise<void>) | undefined
  const app = createApp(config, {
    ...(overrides.provider === undefined ? {} : { provider: overrides.provider }),
    operations,
    onResponsesClose: (close) => (closeResponses = close),
    onPluginServices: (close) => (closePlugins = close),
  })
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        // slow clients may not hold sockets: headers and the whole request each have a deadline (checked every
        // second, not Node's 30 s), and idle keep-alive connections close
        serverOptions: {
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: config.requestTimeoutMs,
          keepAliveTimeout: config.serverKeepAliveMs,
          connectionsCheckingInterval: 1_000,
        },
      },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
        const closeAll = async (): Promise<void> => {
          // background runs finish (or end failed) and streams that follow them end with an error event first
          await closeResponses?.()
          await new Promise<void>((done) => {
            server.close(() => done())
            if ('closeAllConnections' in server) server.closeAllConnections()
          })
          await Promise.all([operations.rateLimiter.close(), operations.cache?.store.close(), closePlugins?.(), operations.tracing?.close()])
        }
        resolve({
          operations,
          url: `http://${host}:${info.port}`,
          port: info.port,
          server,
          close: closeAll,
          async shutdown(graceMs) {
            const { lifecycle } = operations
            lifecycle.beginDrain()
            // stop accepting; idle keep-alive connections close now, busy ones when their response ends
            const closed = new Promise<void>((done) => server.close(() => done()))
            if ('closeIdleConnections' in server) server.closeIdleConnections()
            // the Responses API's background runs drain (or end failed) alongside the requests in flight
            const responsesClosed = closeResponses?.()
            if (!(await lifecycle.waitForIdle(graceMs))) {
              operations.logger.warn({ in_flight: lifecycle.inFlight, grace_ms: graceMs }, 'shutdown grace period over; ending open responses')
              lifecycle.endStreams()
              await lifecycle.waitForIdle(endingFlushMs)
            }
            await responsesClosed
            if ('closeAllConnections' in server) server.closeAllConnections()
            await closed
            await Promise.all([operations.rateLimiter.close(), operations.cache?.store.close(), closePlugins?.(), operations.tracing?.close()])
          },
        })
      },
    )
    server.once('error', reject)
  })
}
