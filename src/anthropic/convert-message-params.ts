import type { Message, TextPart, ToolCallPart, ToolResultPart, UserContentPart } from '../core/message.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ContentBlockParam, MessageParam, ToolResultContent } from './messages-request-schema.js'
import type { ThinkingSigner } from './thinking-signature.js'

/** What translating the conversation noticed: what it could not carry, and the proxy's own thinking it dropped. */
export interface ConversionNotes {
  /** Short names of what a non-Anthropic upstream cannot receive (`cache_control`, `thinking signatures`, ...). */
  warnings: Set<string>
  /** Thinking blocks this proxy wrote, sent back by the client: dropped everywhere, never sent upstream. */
  droppedThinking: { ours: number; stale: number }
}

type Block = ContentBlockParam

const asBlocks = (content: string | Block[]): Block[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : content)

function noteCacheControl(block: Record<string, unknown>, notes: ConversionNotes): void {
  if (block.cache_control != null) notes.warnings.add('cache_control')
}

function convertToolResultContent(content: ToolResultContent | undefined, notes: ConversionNotes): TextPart[] {
  if (content === undefined) return []
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  const parts: TextPart[] = []
  for (const block of content) {
    noteCacheControl(block, notes)
    if (block.type === 'text') parts.push({ type: 'text', text: block.text })
    else if (block.type === 'search_result')
      parts.push({
        type: 'text',
        text: formatSearchResult(
          block.title,
          block.source,
          block.content.map((text) => text.text),
        ),
      })
    else if (block.type === 'document' && block.source.type === 'text') parts.push({ type: 'text', text: block.source.data })
    else notes.warnings.add(`${block.type} blocks in tool results`)
  }
  return parts
}

function formatSearchResult(title: string, source: string, texts: string[]): string {
  return `${title} (${source})\n${texts.join('\n')}`
}

/** One user block as canonical content; undefined when it cannot be carried (and a warning says so). */
function convertUserBlock(block: Block, param: string, notes: ConversionNotes): UserContentPart | UserContentPart[] | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text }
    case 'image': {
      const source = block.source
      if (source.type === 'base64') return { type: 'image', url: `data:${source.media_type};base64,${source.data}` }
      if (source.type === 'url') return { type: 'image', url: source.url }
      notes.warnings.add('file_id sources')
      return undefined
    }
    case 'document': {
      const source = block.source
      if (source.type === 'base64')
        return { type: 'file', fileData: `data:application/pdf;base64,${source.data}`, ...(block.title == null ? {} : { filename: block.title }) }
      if (source.type === 'text') return { type: 'text', text: block.title == null ? source.data : `${block.title}\n\n${source.data}` }
      if (source.type === 'content') {
        if (typeof source.content === 'string') return { type: 'text', text: source.content }
        return source.content.flatMap((inner) => convertUserBlock(inner, param, notes)).filter((part) => part !== undefined)
      }
      notes.warnings.add(source.type === 'url' ? 'document URLs' : 'file_id sources')
      return undefined
    }
    case 'search_result':
      return {
        type: 'text',
        text: formatSearchResult(
          block.title,
          block.source,
          block.content.map((text) => text.text),
        ),
      }
    case 'thinking':
    case 'redacted_thinking':
    case 'tool_use':
      throw createInvalidRequestError(`messages: a user message cannot contain a '${block.type}' block; only assistant messages can.`, param, 'invalid_value')
    default:
      notes.warnings.add(`${block.type} blocks`)
      return undefined
  }
}

/** An assistant block: text, tool_use, or thinking (the proxy's own is dropped; a model's cannot travel without its signature). */
function convertAssistantBlock(block: Block, param: string, notes: ConversionNotes, signer: ThinkingSigner): TextPart | ToolCallPart | undefined {
  switch (block.type) {
    case 'text':
      return block.text === '' ? undefined : { type: 'text', text: block.text }
    case 'tool_use':
      return { type: 'tool-call', id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) }
    case 'thinking': {
      const kind = signer.classify(block.thinking, block.signature)
      if (kind === 'foreign') notes.warnings.add('thinking blocks')
      else notes.droppedThinking[kind]++
      return undefined
    }
    case 'redacted_thinking':
      notes.warnings.add('thinking blocks')
      return undefined
    case 'tool_result':
      throw createInvalidRequestError(
        "messages: an assistant message cannot contain a 'tool_result' block; tool results go in the next user message.",
        param,
        'invalid_value',
      )
    default:
      notes.warnings.add(`${block.type} blocks`)
      return undefined
  }
}

/**
 * The Messages API conversation as canonical messages: `system` first, tool results as tool messages (before the
 * user text of the same turn), the proxy's own thinking dropped. Checks what Anthropic would refuse: empty content
 * (except a final assistant prefill) and a tool_result that answers no earlier tool_use.
 * @example convertMessageParams('Be brief.', [{ role: 'user', content: 'Hi' }], signer, notes)
 */
export function convertMessageParams(
  system: string | Block[] | undefined,
  messages: MessageParam[],
  signer: ThinkingSigner,
  notes: ConversionNotes,
): Message[] {
  const converted: Message[] = []
  const addSystem = (content: string | Block[]): void => {
    for (const block of asBlocks(content)) {
      noteCacheControl(block, notes)
      if (block.type === 'text' && block.text !== '') converted.push({ role: 'system', content: block.text })
    }
  }
  if (system !== undefined) addSystem(system)
  const toolUseIds = new Set<string>()
  messages.forEach((message, index) => {
    const param = `messages[${index}].content`
    const isFinal = index === messages.length - 1
    if (message.content.length === 0 && !(isFinal && message.role === 'assistant')) {
      throw createInvalidRequestError(
        `messages[${index}]: all messages must have non-empty content except for the optional final assistant message.`,
        param,
        'invalid_value',
      )
    }
    if (message.role === 'system') {
      addSystem(message.content)
      return
    }
    const blocks = asBlocks(message.content)
    if (message.role === 'assistant') {
      const content: Array<TextPart | ToolCallPart> = []
      blocks.forEach((block, blockIndex) => {
        noteCacheControl(block, notes)
        const part = convertAssistantBlock(block, `${param}[${blockIndex}]`, notes, signer)
        if (part?.type === 'tool-call') toolUseIds.add(part.id)
        if (part !== undefined) content.push(part)
      })
      if (content.length > 0 || isFinal) converted.push({ role: 'assistant', content })
      return
    }
    const results: ToolResultPart[] = []
    const parts: UserContentPart[] = []
    blocks.forEach((block, blockIndex) => {
      noteCacheControl(block, notes)
      if (block.type === 'tool_result') {
        if (!toolUseIds.has(block.tool_use_id)) {
          throw createInvalidRequestError(
            `messages[${index}].content[${blockIndex}]: the tool_result answers tool_use id '${block.tool_use_id}', which no earlier assistant message contains.`,
            `${param}[${blockIndex}].tool_use_id`,
            'invalid_value',
          )
        }
        results.push({
          type: 'tool-result',
          toolCallId: block.tool_use_id,
          content: convertToolResultContent(block.content, notes),
          ...(block.is_error === true ? { isError: true } : {}),
        })
        return
      }
      const part = convertUserBlock(block, `${param}[${blockIndex}]`, notes)
      if (Array.isArray(part)) parts.push(...part)
      else if (part !== undefined) parts.push(part)
    })
    if (results.length > 0) converted.push({ role: 'tool', content: results })
    if (parts.length > 0) converted.push({ role: 'user', content: parts })
  })
  return converted
}
