import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Provider } from '../providers/types.js'
import { createApp } from './app.js'
import type { Config } from './config.js'
import type { ResponsesService } from './responses/responses-service.js'

export interface RunningServer {
  url: string
  port: number
  server: ServerType
  /** Stops listening and closes every open connection. */
  close(): Promise<void>
}

/**
 * Starts the proxy on config.host:config.port (port 0 picks a free one).
 * @example const { url, close } = await startServer(loadConfig([], process.env))
 */
export function startServer(config: Config, overrides: { provider?: Provider } = {}): Promise<RunningServer> {
  let responses: ResponsesService | undefined
  const app = createApp(config, { ...overrides, onResponsesService: (service) => (responses = service) })
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        server,
        close: async () => {
          // background runs finish (or end failed) and streams that follow them end with an error event first
          await responses?.close()
          await new Promise<void>((done) => {
            server.close(() => done())
            if ('closeAllConnections' in server) server.closeAllConnections()
          })
        },
      })
    })
    server.once('error', reject)
  })
}
