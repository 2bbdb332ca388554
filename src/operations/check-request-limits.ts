import { createInvalidRequestError, ProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'

export interface RequestLimits {
  /** Most messages in one request. */
  maxMessages: number
  /** Largest `n` (choices per request). */
  maxChoices: number
  /** Deepest nesting of arrays and objects in the JSON body. */
  maxJsonDepth: number
}

const maxModelNameLength = 256

/**
 * Refuses JSON nested deeper than `maxDepth` with a 400, before anything recursive (validation, serialising
 * it upstream) can overflow the stack. Walks the value without recursion.
 * @example checkJsonDepth(JSON.parse(text), 64)
 */
export function checkJsonDepth(value: unknown, maxDepth: number): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }]
  for (;;) {
    const entry = stack.pop()
    if (entry === undefined) return
    if (typeof entry.value !== 'object' || entry.value === null) continue
    if (entry.depth >= maxDepth) throw createInvalidRequestError(`The request body is nested more than ${maxDepth} levels deep.`, null, 'nesting_too_deep')
    const children = Array.isArray(entry.value) ? entry.value : Object.values(entry.value)
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: entry.depth + 1 })
  }
}

/**
 * The operator's limits on one parsed request, and the conversation checks the schema cannot express: every
 * tool message answers a tool call of an earlier assistant message. Each failure is a 400 naming the field.
 * @example checkRequestLimits(parsed.request, { maxMessages: 2048, maxChoices: 128, maxJsonDepth: 64 })
 */
export function checkRequestLimits(request: ModelRequest, limits: RequestLimits): void {
  if (request.model.length > maxModelNameLength) {
    throw createInvalidRequestError(`Invalid 'model': the name is longer than ${maxModelNameLength} characters.`, 'model', 'invalid_value')
  }
  if (request.messages.length > limits.maxMessages) {
    throw createInvalidRequestError(
      `Too many messages: ${request.messages.length}; this proxy accepts at most ${limits.maxMessages}.`,
      'messages',
      'too_many_messages',
    )
  }
  if (request.n !== undefined && request.n > limits.maxChoices) {
    throw createInvalidRequestError(`Invalid 'n': ${request.n} is more than this proxy's limit of ${limits.maxChoices}.`, 'n', 'invalid_value')
  }
  const calls = new Set<string>()
  request.messages.forEach((message, index) => {
    if (message.role === 'assistant') {
      for (const part of message.content) if (part.type === 'tool-call') calls.add(part.id)
    } else if (message.role === 'tool') {
      for (const part of message.content) {
        if (!calls.has(part.toolCallId)) {
          throw createInvalidRequestError(
            `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'; no call has the id '${part.toolCallId}'.`,
            `messages[${index}].tool_call_id`,
            'invalid_value',
          )
        }
      }
    }
  })
}

/** The 503 for a request that arrives while the server drains for shutdown. */
export function createShuttingDownError(): ProxyError {
  return new ProxyError('The server is shutting down; retry on another instance.', {
    status: 503,
    type: 'server_error',
    code: 'server_shutting_down',
    isRetryable: true,
    retryAfter: '1',
  })
}
