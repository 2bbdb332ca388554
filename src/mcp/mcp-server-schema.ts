import { z } from 'zod'

/** An MCP server the proxy starts as a child process and talks to over stdio. */
export const mcpStdioServerSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).max(64).default([]),
  /** Variables for the process (added to a minimal environment: PATH, HOME). */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
})

/** An MCP server reached over streamable HTTP. */
export const mcpHttpServerSchema = z.strictObject({
  url: z.url({ error: 'expected a URL' }),
  headers: z.record(z.string(), z.string()).optional(),
})

/** `mcp_servers:` in the config file: name -> a stdio command or a streamable-HTTP URL. */
export const mcpServersFileSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/i, { error: 'an MCP server name has letters, digits, "_" or "-" (at most 32)' }),
  z.union([mcpStdioServerSchema, mcpHttpServerSchema], { error: 'expected { command, args? } or { url, headers? }' }),
)
export type McpServersFile = z.infer<typeof mcpServersFileSchema>
