/**
 * The MCP servers of the configuration as plugins see them: the tools they offer and a way to call one. The
 * runtime injects the implementation (src/mcp/, built on @modelcontextprotocol/sdk); an approach never opens a
 * connection or starts a process itself.
 */

/** One tool of a configured MCP server, named `<server>__<tool>` so names from several servers never clash. */
export interface McpTool {
  /** The qualified name the model calls: `<server>__<tool>`. */
  readonly name: string
  readonly server: string
  readonly description?: string
  /** The tool's JSON Schema for its arguments. */
  readonly inputSchema: Record<string, unknown>
}

/** A tool call's outcome as text for the model; `isError` when the tool (or its server) failed. */
export interface McpToolOutcome {
  readonly text: string
  readonly isError: boolean
}

/**
 * @example const tools = await context.mcp?.listTools(context.signal)
 */
export interface McpServices {
  /** Every tool of every configured server that answered; a server that fails is left out and named in `failures`. */
  listTools(signal: AbortSignal): Promise<{ tools: McpTool[]; failures: string[] }>
  /** Calls a tool by its qualified name; never throws for a tool's or a server's failure (it is an `isError` outcome). */
  callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<McpToolOutcome>
}
