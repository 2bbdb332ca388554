import type { Message, UserContentPart } from '../../src/core/message.js'
import { createInvalidRequestError } from '../../src/core/proxy-error.js'
import type { ModelRequest } from '../../src/core/request.js'
import { parseDataUrl } from '../shared/parse-data-url.js'
import { isGeneratedGeminiCallId } from './gemini-call-id.js'
import { checkGeminiModelName } from './check-gemini-model-name.js'

type GeminiPart = Record<string, unknown>
interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

/** Thinking budgets for reasoning_effort; `none` turns thinking off (budget 0). */
const thinkingBudgets: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24_576 }

function convertUserPart(part: UserContentPart, param: string): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: part.text }
    case 'image': {
      const data = parseDataUrl(part.url)
      // Gemini reads inline data only (or its own Files API): the proxy never fetches a URL for it
      if (data === undefined)
        throw createInvalidRequestError('Gemini accepts images as data URLs only (data:image/png;base64,...).', param, 'unsupported_image_url')
      return { inlineData: { mimeType: data.mediaType, data: data.data } }
    }
    case 'audio':
      return { inlineData: { mimeType: `audio/${part.format}`, data: part.data } }
    case 'file': {
      const data = part.fileData === undefined ? undefined : parseDataUrl(part.fileData)
      if (data === undefined) throw createInvalidRequestError('Gemini accepts files as data URLs only.', param, 'unsupported_file')
      return { inlineData: { mimeType: data.mediaType, data: data.data } }
    }
  }
}

function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {}
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // reported below
  }
  throw createInvalidRequestError('Tool call arguments must be a JSON object to be sent to Gemini.', param, 'invalid_tool_arguments')
}

/**
 * The conversation as Gemini contents. Tool results need the function's name, which Gemini requires and the
 * OpenAI format leaves out: it is looked up from the assistant turn that made the call. Call ids the proxy
 * generated (old models send none) are not sent back.
 */
function convertMessages(messages: Message[]): { system: string[]; contents: GeminiContent[] } {
  const system: string[] = []
  const contents: GeminiContent[] = []
  const nameOfCall = new Map<string, string>()
  const push = (role: 'user' | 'model', parts: GeminiPart[]): void => {
    const last = contents[contents.length - 1]
    if (last !== undefined && last.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }
  messages.forEach((message, index) => {
    const param = `messages[${index}]`
    switch (message.role) {
      case 'system':
        system.push(message.content)
        break
      case 'user':
        push(
          'user',
          message.content.map((part, partIndex) => convertUserPart(part, `${param}.content[${partIndex}]`)),
        )
        break
      case 'assistant': {
        const parts: GeminiPart[] = []
        for (const part of message.content) {
          if ((part.type === 'text' || part.type === 'refusal') && part.text !== '') parts.push({ text: part.text })
          else if (part.type === 'tool-call') {
            nameOfCall.set(part.id, part.name)
            const id = isGeneratedGeminiCallId(part.id) ? {} : { id: part.id }
            parts.push({ functionCall: { ...id, name: part.name, args: parseToolArguments(part.arguments, `${param}.tool_calls`) } })
          }
        }
        if (parts.length > 0) push('model', parts)
        break
      }
      case 'tool':
        push(
          'user',
          message.content.map((part) => {
            const name = nameOfCall.get(part.toolCallId)
            if (name === undefined)
              throw createInvalidRequestError(
                `No assistant tool call has the id '${part.toolCallId}' that this tool result answers.`,
                `${param}.tool_call_id`,
                'unknown_tool_call_id',
              )
            const id = isGeneratedGeminiCallId(part.toolCallId) ? {} : { id: part.toolCallId }
            return { functionResponse: { ...id, name, response: { result: part.content.map((text) => text.text).join('') } } }
          }),
        )
        break
    }
  })
  return { system, contents }
}

export interface GeminiRequest {
  model: string
  contents: GeminiContent[]
  config: Record<string, unknown>
}

/**
 * The canonical request as @google/genai generateContent parameters (the SDK sends them as the REST body).
 * @example convertToGeminiRequest({ model: 'gemini-2.0-flash', messages, extra: {} })
 */
export function convertToGeminiRequest(request: ModelRequest): GeminiRequest {
  checkGeminiModelName(request.model)
  const { system, contents } = convertMessages(request.messages)
  const config: Record<string, unknown> = {}
  if (system.length > 0) config.systemInstruction = { parts: system.map((text) => ({ text })) }
  if (request.temperature !== undefined) config.temperature = request.temperature
  if (request.topP !== undefined) config.topP = request.topP
  if (request.seed !== undefined) config.seed = request.seed
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = request.stop
  if (request.n !== undefined && request.n > 1) config.candidateCount = request.n
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty
  if (request.responseFormat?.type === 'json-object') config.responseMimeType = 'application/json'
  if (request.responseFormat?.type === 'json-schema') {
    config.responseMimeType = 'application/json'
    if (request.responseFormat.schema !== undefined) config.responseJsonSchema = request.responseFormat.schema
  }
  const budget = request.reasoningEffort === undefined ? undefined : thinkingBudgets[request.reasoningEffort]
  if (budget !== undefined) config.thinkingConfig = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true }
  if (request.tools !== undefined && request.tools.length > 0) {
    config.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
        })),
      },
    ]
    const choice = request.toolChoice
    if (choice === 'none') config.toolConfig = { functionCallingConfig: { mode: 'NONE' } }
    else if (choice === 'required') config.toolConfig = { functionCallingConfig: { mode: 'ANY' } }
    else if (typeof choice === 'object') config.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } }
    else if (choice === 'auto') config.toolConfig = { functionCallingConfig: { mode: 'AUTO' } }
  }
  return { model: request.model, contents, config }
}
