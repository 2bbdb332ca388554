/**
 * MCP servers for the `mcp` plugin's tests, built with the official SDK: the same tools over stdio (a child
 * process: test/helpers/mcp-stdio-server.ts) and over streamable HTTP on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'

const capitals: Record<string, string> = { france: 'Paris', norway: 'Oslo', kenya: 'Nairobi' }

/**
 * A server with `lookup_capital({ country })` and `always_fails()`.
 * @example const server = createTestMcpServer(); await server.connect(new StdioServerTransport())
 */
export function createTestMcpServer(): McpServer {
  const server = new McpServer({ name: 'optiproxy-test', version: '1.0.0' })
  server.registerTool('lookup_capital', { description: 'The capital city of a country.', inputSchema: { country: z.string() } }, async ({ country }) => ({
    content: [{ type: 'text', text: `The capital of ${country} is ${capitals[country.toLowerCase()] ?? 'unknown'}.` }],
  }))
  server.registerTool('always_fails', { description: 'Fails every time.' }, async () => ({ content: [{ type: 'text', text: 'disk on fire' }], isError: true }))
  return server
}

export interface McpHttpServer {
  /** The MCP endpoint: http://127.0.0.1:PORT/mcp */
  url: string
  /** Requests received (POSTs of JSON-RPC messages). */
  readonly requests: number
  close(): Promise<void>
}

/**
 * The test server over streamable HTTP, stateless (a fresh server and transport per request, as the SDK suggests).
 * @example const mcp = await startMcpHttpServer(); // mcp_servers: { remote: { url: mcp.url } }
 */
export async function startMcpHttpServer(): Promise<McpHttpServer> {
  let requests = 0
  const http: Server = createServer((request, response) => {
    requests++
    if (request.method !== 'POST') {
      response.writeHead(405).end()
      return
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const server = createTestMcpServer()
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
      response.on('close', () => {
        void transport.close()
        void server.close()
      })
      void server.connect(transport).then(() => transport.handleRequest(request, response, JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown))
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      }),
  }
}
