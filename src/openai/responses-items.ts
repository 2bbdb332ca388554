import type { Message, TextPart, UserContentPart } from '../core/message.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import { createResponseId } from './response-identity.js'
import type { ResponsesInputItem } from './responses-schema.js'

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete'

export type InputContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail: 'auto' | 'low' | 'high' }
  | { type: 'input_file'; file_id?: string | null; file_data?: string; file_url?: string; filename?: string }

export type OutputContentPart = { type: 'output_text'; text: string; annotations: unknown[]; logprobs?: unknown[] } | { type: 'refusal'; refusal: string }

export interface InputMessageItem {
  id: string
  type: 'message'
  role: 'user' | 'system' | 'developer'
  status: ItemStatus
  content: InputContentPart[]
}
export interface OutputMessageItem {
  id: string
  type: 'message'
  role: 'assistant'
  status: ItemStatus
  content: OutputContentPart[]
}
export interface FunctionCallItem {
  id: string
  type: 'function_call'
  call_id: string
  name: string
  arguments: string
  status: ItemStatus
}
export interface FunctionCallOutputItem {
  id: string
  type: 'function_call_output'
  call_id: string
  output: string | InputContentPart[]
  status: ItemStatus
}
export interface ReasoningItem {
  id: string
  type: 'reasoning'
  summary: Array<{ type: 'summary_text'; text: string }>
  content?: Array<{ type: 'reasoning_text'; text: string }>
  status?: ItemStatus
}

/** An item of a conversation in the Responses wire shape, with its id (what input_items lists and output holds). */
export type ResponseItem = InputMessageItem | OutputMessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem

/** Output items: what a response's `output` holds. */
export type ResponseOutputItem = OutputMessageItem | FunctionCallItem | ReasoningItem

function convertInputContent(content: Extract<ResponsesInputItem, { role: string }>['content'], param: string): InputContentPart[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }]
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every part type (tsc checks it)
  return content.map((part, index): InputContentPart => {
    switch (part.type) {
      case 'input_text':
        return { type: 'input_text', text: part.text }
      case 'output_text':
        return { type: 'input_text', text: part.text }
      case 'refusal':
        return { type: 'input_text', text: part.refusal }
      case 'input_image':
        if (part.image_url == null)
          throw createInvalidRequestError(
            'Only images given by image_url are supported (file_id needs the OpenAI Files API).',
            `${param}[${index}].image_url`,
            'unsupported_value',
          )
        return { type: 'input_image', image_url: part.image_url, detail: part.detail ?? 'auto' }
      case 'input_file':
        return {
          type: 'input_file',
          ...(part.file_id == null ? {} : { file_id: part.file_id }),
          ...(part.file_data === undefined ? {} : { file_data: part.file_data }),
          ...(part.file_url === undefined ? {} : { file_url: part.file_url }),
          ...(part.filename === undefined ? {} : { filename: part.filename }),
        }
    }
  })
}

/**
 * The request's `input` as conversation items with ids, the shape `input_items` lists and chaining stores.
 * @example normalizeInputItems('Hi') // [{ id: 'msg_…', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }], status: 'completed' }]
 */
export function normalizeInputItems(input: string | ResponsesInputItem[] | undefined): ResponseItem[] {
  if (input === undefined) return []
  if (typeof input === 'string')
    return [{ id: createResponseId('msg_', 32), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }]
  return input.map((item, index): ResponseItem => {
    const param = `input[${index}]`
    if (item.type === 'function_call') {
      return {
        id: item.id ?? createResponseId('fc_', 32),
        type: 'function_call',
        call_id: item.call_id,
        name: item.name,
        arguments: item.arguments,
        status: 'completed',
      }
    }
    if (item.type === 'function_call_output') {
      const output = typeof item.output === 'string' ? item.output : convertInputContent(item.output, `${param}.output`)
      return { id: item.id ?? createResponseId('fco_', 32), type: 'function_call_output', call_id: item.call_id, output, status: 'completed' }
    }
    if (item.type === 'reasoning') {
      const content = (item.content ?? []).map((part) => ({ type: 'reasoning_text' as const, text: part.text }))
      return { id: item.id ?? createResponseId('rs_', 32), type: 'reasoning', summary: [], ...(content.length === 0 ? {} : { content }) }
    }
    const id = item.id ?? createResponseId('msg_', 32)
    if (item.role === 'assistant') {
      const parts = typeof item.content === 'string' ? [{ type: 'output_text' as const, text: item.content }] : item.content
      const content = parts.map((part): OutputContentPart => {
        if (part.type === 'refusal') return { type: 'refusal', refusal: part.refusal }
        if (part.type === 'output_text' || part.type === 'input_text') return { type: 'output_text', text: part.text, annotations: [] }
        throw createInvalidRequestError(`An assistant message cannot hold '${part.type}' content.`, `${param}.content`, 'invalid_value')
      })
      return { id, type: 'message', role: 'assistant', status: 'completed', content }
    }
    return { id, type: 'message', role: item.role, status: 'completed', content: convertInputContent(item.content, `${param}.content`) }
  })
}

function convertToUserParts(parts: InputContentPart[]): UserContentPart[] {
  return parts.map((part): UserContentPart => {
    if (part.type === 'input_text') return { type: 'text', text: part.text }
    if (part.type === 'input_image') return { type: 'image', url: part.image_url ?? '', detail: part.detail }
    return {
      type: 'file',
      ...(part.file_id == null ? {} : { fileId: part.file_id }),
      ...(part.file_data === undefined ? {} : { fileData: part.file_data }),
      ...(part.filename === undefined ? {} : { filename: part.filename }),
    }
  })
}

function readText(parts: InputContentPart[]): string {
  return parts.map((part) => (part.type === 'input_text' ? part.text : '')).join('')
}

/**
 * Conversation items as canonical messages. Consecutive function calls join one assistant turn (as a Chat model
 * expects its parallel tool calls); reasoning items are not sent back to the model.
 * @example convertItemsToMessages(normalizeInputItems('Hi'))
 */
export function convertItemsToMessages(items: ResponseItem[]): Message[] {
  const messages: Message[] = []
  for (const item of items) {
    const last = messages.at(-1)
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') {
          const content: Array<TextPart> = item.content.map((part) => ({ type: 'text', text: part.type === 'output_text' ? part.text : part.refusal }))
          messages.push({ role: 'assistant', content })
        } else if (item.role === 'user') {
          messages.push({ role: 'user', content: convertToUserParts(item.content) })
        } else {
          messages.push({ role: 'system', content: readText(item.content), ...(item.role === 'developer' ? { developer: true } : {}) })
        }
        break
      case 'function_call': {
        const part = { type: 'tool-call' as const, id: item.call_id, name: item.name, arguments: item.arguments }
        if (last?.role === 'assistant') last.content.push(part)
        else messages.push({ role: 'assistant', content: [part] })
        break
      }
      case 'function_call_output': {
        const text = typeof item.output === 'string' ? item.output : readText(item.output)
        messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: item.call_id, content: [{ type: 'text', text }] }] })
        break
      }
      case 'reasoning':
        break
    }
  }
  return messages
}
