import type { Message, UserContentPart } from '../../src/core/message.js'
import { createInvalidRequestError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import { parseDataUrl } from '../shared/parse-data-url.js'

type AnthropicBlock = Record<string, unknown>
interface AnthropicMessage {
  role: 'user' | 'assistant'
  content: AnthropicBlock[]
}

/** Thinking budgets for reasoning_effort; `none` turns thinking off. */
const thinkingBudgets: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 24_576, xhigh: 32_000 }

/**
 * max_tokens when the request sets none (Anthropic requires it): each family's documented output limit,
 * capped at 32000 so a non-streamed call stays within the vendor's time limits.
 * @example defaultAnthropicMaxTokens('claude-3-5-haiku-latest') // 8192
 */
export function defaultAnthropicMaxTokens(model: string): number {
  if (/^claude-3-(opus|sonnet|haiku)/.test(model)) return 4096
  if (/^claude-3-5-/.test(model)) return 8192
  return 32_000
}

const imageMediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])

function convertUserPart(part: UserContentPart, param: string): AnthropicBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text }
    case 'image': {
      const data = parseDataUrl(part.url)
      if (data !== undefined) {
        if (!imageMediaTypes.has(data.mediaType))
          throw createInvalidRequestError(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${data.mediaType}.`, param, 'unsupported_image')
        return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } }
      }
      // Anthropic fetches https image URLs itself; the proxy never does
      if (/^https?:\/\//i.test(part.url)) return { type: 'image', source: { type: 'url', url: part.url } }
      throw createInvalidRequestError('An image must be a data URL or an http(s) URL.', param, 'invalid_image_url')
    }
    case 'file': {
      const data = part.fileData === undefined ? undefined : parseDataUrl(part.fileData)
      if (data?.mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data } }
      throw createInvalidRequestError('Anthropic accepts files as PDF data URLs only.', param, 'unsupported_file')
    }
    case 'audio':
      throw createInvalidRequestError('Anthropic models do not accept audio input.', param, 'unsupported_audio')
  }
}

function parseToolArguments(text: string, param: string): unknown {
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw createInvalidRequestError('Tool call arguments must be JSON to be sent to Anthropic.', param, 'invalid_tool_arguments')
  }
}

/** Converts the conversation: system messages to `system`, tool results to user turns, consecutive same-role turns merged. */
function convertMessages(messages: Message[]): { system: AnthropicBlock[]; messages: AnthropicMessage[] } {
  const system: AnthropicBlock[] = []
  const converted: AnthropicMessage[] = []
  const push = (role: 'user' | 'assistant', content: AnthropicBlock[]): void => {
    const last = converted[converted.length - 1]
    if (last !== undefined && last.role === role) last.content.push(...content)
    else converted.push({ role, content })
  }
  messages.forEach((message, index) => {
    const param = `messages[${index}]`
    switch (message.role) {
      case 'system':
        system.push({ type: 'text', text: message.content })
        break
      case 'user':
        push(
          'user',
          message.content.map((part, partIndex) => convertUserPart(part, `${param}.content[${partIndex}]`)),
        )
        break
      case 'assistant': {
        const content: AnthropicBlock[] = []
        for (const part of message.content) {
          if (part.type === 'text' || part.type === 'refusal') {
            if (part.text !== '') content.push({ type: 'text', text: part.text })
          } else if (part.type === 'tool-call') {
            content.push({ type: 'tool_use', id: part.id, name: part.name, input: parseToolArguments(part.arguments, `${param}.tool_calls`) })
          }
          // reasoning text cannot go back: Anthropic needs the signature it came with
        }
        if (content.length > 0) push('assistant', content)
        break
      }
      case 'tool':
        push(
          'user',
          message.content.map((part) => ({
            type: 'tool_result',
            tool_use_id: part.toolCallId,
            content: part.content.map((text) => ({ type: 'text', text: text.text })),
            ...(part.isError === true ? { is_error: true } : {}),
          })),
        )
        break
    }
  })
  return { system, messages: converted }
}

/**
 * The canonical request as an Anthropic Messages API body.
 * @example convertToAnthropicRequest({ model: 'claude-sonnet-4-5', messages, extra: {} }, true)
 */
export function convertToAnthropicRequest(request: ModelRequest, streaming: boolean): Record<string, unknown> {
  const { system, messages } = convertMessages(request.messages)
  const maxTokens = request.maxOutputTokens ?? defaultAnthropicMaxTokens(request.model)
  const body: Record<string, unknown> = { model: request.model, max_tokens: maxTokens, messages }
  if (request.responseFormat?.type === 'json-object') system.push({ type: 'text', text: 'Answer with one JSON object and nothing else.' })
  if (system.length > 0) body.system = system
  const budget = request.reasoningEffort === undefined ? undefined : thinkingBudgets[request.reasoningEffort]
  // Anthropic wants the signed thinking block back before a tool call it continues from, and the OpenAI format
  // cannot carry the signature: such a turn runs without thinking rather than fail with a 400
  const lastAssistant = request.messages.findLast((message) => message.role === 'assistant')
  const continuesToolUse = lastAssistant?.content.some((part) => part.type === 'tool-call') === true
  const thinking = budget !== undefined && maxTokens > 1024 && !continuesToolUse
  if (thinking) body.thinking = { type: 'enabled', budget_tokens: Math.min(budget, maxTokens - 1) }
  // Anthropic rejects sampling settings while thinking
  if (!thinking && request.temperature !== undefined) body.temperature = request.temperature
  if (!thinking && request.topP !== undefined) body.top_p = request.topP
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop
  if (request.user !== undefined) body.metadata = { user_id: request.user }
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.parameters ?? { type: 'object', properties: {} },
    }))
    const choice = request.toolChoice
    const disableParallel = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {}
    if (choice === 'none') body.tool_choice = { type: 'none' }
    else if (choice === 'required') body.tool_choice = { type: 'any', ...disableParallel }
    else if (typeof choice === 'object') body.tool_choice = { type: 'tool', name: choice.name, ...disableParallel }
    else if (request.parallelToolCalls === false) body.tool_choice = { type: 'auto', ...disableParallel }
  }
  if (request.responseFormat?.type === 'json-schema' && request.responseFormat.schema !== undefined) {
    body.output_config = { format: { type: 'json_schema', schema: request.responseFormat.schema } }
  }
  if (streaming) body.stream = true
  return body
}
