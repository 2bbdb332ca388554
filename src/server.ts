import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Provider } from '../providers/types.js'
import { createApp } from './app.js'
import type { Config } from './config.js'

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
  const app = createApp(config, overrides)
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            if ('closeAllConnections' in server) server.closeAllConnections()
          }),
      })
    })
    server.once('error', reject)
  })
}
