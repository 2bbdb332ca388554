import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { McpServices, McpTool, McpToolOutcome } from '../core/services/mcp.js'
import type { McpServersFile } from './mcp-server-schema.js'

export interface McpSettings {
  servers: McpServersFile
  /** Time to start and initialize a server, and to list its tools. */
  connectTimeoutMs: number
  /** Time for one tool call. */
  callTimeoutMs: number
}

/** Most tools offered from one server, and longest tool output kept for the model. */
const maxToolsPerServer = 64
const maxOutputChars = 20_000

interface Connection {
  client: Client
  tools: McpTool[]
}

/**
 * The configured MCP servers, connected on first use and kept for the app's life (a server that fails to start is
 * retried on a later request). Tool names are qualified `<server>__<tool>`.
 * @example const mcp = createMcpServices({ servers: { files: { command: 'node', args: ['server.js'] } }, connectTimeoutMs: 10_000, callTimeoutMs: 30_000 })
 */
export function createMcpServices(settings: McpSettings): McpServices & { close(): Promise<void> } {
  const connections = new Map<string, Promise<Connection>>()

  const connect = (name: string): Promise<Connection> => {
    let pending = connections.get(name)
    if (pending === undefined) {
      pending = openConnection(name, settings)
      connections.set(name, pending)
      // a failed start is forgotten, so the next request tries again
      pending.catch(() => connections.delete(name))
    }
    return pending
  }

  return {
    async listTools(signal) {
      const names = Object.keys(settings.servers)
      const settled = await Promise.allSettled(names.map((name) => withSignal(connect(name), signal)))
      const tools: McpTool[] = []
      const failures: string[] = []
      settled.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') tools.push(...outcome.value.tools)
        else failures.push(`${names[index]}: ${describe(outcome.reason)}`)
      })
      return { tools, failures }
    },
    async callTool(name, args, signal): Promise<McpToolOutcome> {
      const separator = name.indexOf('__')
      const server = separator > 0 ? name.slice(0, separator) : ''
      if (settings.servers[server] === undefined) return { text: `No MCP tool named '${name}'.`, isError: true }
      try {
        const connection = await withSignal(connect(server), signal)
        const tool = connection.tools.find((entry) => entry.name === name)
        if (tool === undefined) return { text: `No MCP tool named '${name}'.`, isError: true }
        const result = await connection.client.callTool({ name: name.slice(separator + 2), arguments: args }, undefined, {
          signal,
          timeout: settings.callTimeoutMs,
        })
        const content = Array.isArray(result.content) ? (result.content as Array<{ type: string; text?: string }>) : []
        const text = content.map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type} content]`)).join('\n')
        return {
          text: text.length > maxOutputChars ? `${text.slice(0, maxOutputChars)}\n[output cut at ${maxOutputChars} characters]` : text,
          isError: result.isError === true,
        }
      } catch (error) {
        if (signal.aborted) throw error
        return { text: `The tool '${name}' failed: ${describe(error)}`, isError: true }
      }
    },
    async close() {
      const open = [...connections.values()]
      connections.clear()
      await Promise.allSettled(open.map(async (pending) => (await pending).client.close()))
    },
  }
}

async function openConnection(name: string, settings: McpSettings): Promise<Connection> {
  const server = settings.servers[name]
  if (server === undefined) throw new Error(`unknown MCP server '${name}'`)
  // the MCP SDK loads with the first connection, not at start-up
  const [{ Client }, { getDefaultEnvironment, StdioClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ])
  const transport =
    'command' in server
      ? new StdioClientTransport({
          command: server.command,
          args: server.args,
          env: { ...getDefaultEnvironment(), ...server.env },
          ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
          stderr: 'ignore',
        })
      : new StreamableHTTPClientTransport(new URL(server.url), server.headers === undefined ? undefined : { requestInit: { headers: server.headers } })
  const client = new Client({ name: 'optiproxy', version: '0.1.0' })
  const timeout = AbortSignal.timeout(settings.connectTimeoutMs)
  try {
    await withSignal(client.connect(transport, { timeout: settings.connectTimeoutMs }), timeout)
    const listed = await client.listTools(undefined, { timeout: settings.connectTimeoutMs })
    const tools = listed.tools.slice(0, maxToolsPerServer).map(
      (tool): McpTool => ({
        name: `${name}__${tool.name}`,
        server: name,
        ...(tool.description === undefined ? {} : { description: tool.description.slice(0, 2000) }),
        inputSchema: tool.inputSchema as Record<string, unknown>,
      }),
    )
    return { client, tools }
  } catch (error) {
    await client.close().catch(() => undefined)
    throw error
  }
}

/** The promise, or a rejection when the signal aborts first. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error as Error)
      },
    )
  })
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300)
}
