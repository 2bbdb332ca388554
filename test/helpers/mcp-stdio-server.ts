/** The test MCP server over stdio: run as `node --import tsx test/helpers/mcp-stdio-server.ts`. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createTestMcpServer } from './mcp-test-server.js'

await createTestMcpServer().connect(new StdioServerTransport())
