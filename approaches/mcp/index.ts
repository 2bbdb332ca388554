import { z } from 'zod'
import type { Message, ToolCallPart } from '../../src/core/message.js'
import type { McpTool } from '../../src/core/services/mcp.js'
import type { ToolDefinition } from '../../src/core/request.js'
import { streamEventsFromResult } from '../../src/core/model-result.js'
import { runFinalStep } from '../shared/final-step.js'
import { renderConversation } from '../shared/task-prompts.js'
import { createFinalRequest, createStepRequest } from '../shared/requests.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Rounds of tool calls the proxy runs before it asks for an answer without tools. */
    max_rounds: z.int().min(1).max(20).default(5),
    /** Tool calls run per round (a model asking for more gets an error result for the rest). */
    max_calls_per_round: z.int().min(1).max(16).default(8),
  })
  .strict()
type McpOptions = z.infer<typeof optionsSchema>

const maxArgumentChars = 100_000

function toToolDefinition(tool: McpTool): ToolDefinition {
  return { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.inputSchema }
}

function parseArguments(text: string): Record<string, unknown> | undefined {
  if (text.length > maxArgumentChars) return undefined
  try {
    const value = JSON.parse(text === '' ? '{}' : text) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * `mcp`: offers the configured MCP servers' tools to the model and runs its tool calls in a bounded loop. Tools the
 * client sent stay the client's: when the model calls one of them, that call goes back to the client as it is.
 */
export const mcpApproach: Approach<McpOptions> = {
  id: 'mcp',
  description: "Plugin: offers the configured MCP servers' tools to the model and runs its tool calls (bounded rounds), then answers.",
  optionsSchema: optionsSchema as z.ZodType<McpOptions>,
  keepsClientTools: true,
  async *run(context: ApproachContext<McpOptions>) {
    const base = context.request
    const conversation: Message[] = renderConversation(context.task)
    const listed = context.mcp === undefined ? { tools: [], failures: ['no MCP server is configured'] } : await context.mcp.listTools(context.signal)
    for (const failure of listed.failures) context.trace(`[mcp] server unavailable: ${failure}\n`)
    const clientTools = base.tools ?? []
    const clientNames = new Set(clientTools.map((tool) => tool.name))
    const mcpTools = listed.tools.filter((tool) => !clientNames.has(tool.name))
    if (mcpTools.length === 0) {
      context.trace('[mcp] no MCP tools available; answering without them\n')
      yield* runFinalStep(context, createFinalRequest(base, conversation))
      return
    }
    context.trace(`[mcp] tools offered: ${mcpTools.map((tool) => tool.name).join(', ')}\n`)
    const tools = [...clientTools, ...mcpTools.map(toToolDefinition)]
    const known = new Set(mcpTools.map((tool) => tool.name))
    for (let round = 0; round < context.options.max_rounds; round++) {
      const result = await context.generate(createStepRequest(base, conversation, { tools, toolChoice: base.toolChoice ?? 'auto' }), {
        name: 'tool-round',
        index: round,
      })
      const choice = result.choices[0]
      const calls = choice?.toolCalls ?? []
      if (calls.length === 0 || calls.some((call) => clientNames.has(call.name))) {
        // an answer, or a call the client must run itself: passed on as it is
        yield* streamEventsFromResult({ ...result, choices: choice === undefined ? [] : [choice] })
        return
      }
      conversation.push({ role: 'assistant', content: [...(choice?.text ? [{ type: 'text' as const, text: choice.text }] : []), ...calls] })
      const outcomes = await Promise.all(
        calls.map(async (call: ToolCallPart, index) => {
          if (index >= context.options.max_calls_per_round)
            return { text: `Not run: at most ${context.options.max_calls_per_round} tool calls per round.`, isError: true }
          if (!known.has(call.name)) return { text: `No tool named '${call.name}'.`, isError: true }
          const args = parseArguments(call.arguments)
          if (args === undefined) return { text: 'The arguments are not a JSON object.', isError: true }
          return (context.mcp as NonNullable<typeof context.mcp>).callTool(call.name, args, context.signal)
        }),
      )
      calls.forEach((call, index) => {
        const outcome = outcomes[index] as { text: string; isError: boolean }
        context.trace(
          `[mcp] round ${round + 1}: ${call.name}(${call.arguments.slice(0, 500)}) -> ${outcome.isError ? 'error: ' : ''}${outcome.text.slice(0, 500)}\n`,
        )
        context.record({ kind: 'note', text: `mcp ${call.name}${outcome.isError ? ' failed' : ''}` })
        conversation.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: call.id, content: [{ type: 'text', text: outcome.text }] }] })
      })
    }
    context.trace(`[mcp] ${context.options.max_rounds} tool rounds used; answering without tools\n`)
    const { tools: _tools, toolChoice: _choice, parallelToolCalls: _parallel, ...rest } = base
    yield* runFinalStep(context, createFinalRequest(rest, conversation))
  },
}
