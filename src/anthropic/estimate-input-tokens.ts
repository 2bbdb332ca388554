import type { ModelRequest } from '../core/request.js'

/** What one image costs in Anthropic's own accounting at its largest size (about 1.15 megapixels / 750). */
const imageTokens = 1600
/** A PDF page count is unknown without parsing it: a flat allowance per document. */
const documentTokens = 1600
/** Role markers and separators around each message. */
const messageOverheadTokens = 4

/**
 * An estimate of the input tokens of a request for a model whose vendor has no count endpoint (anything but
 * Anthropic): the text (system, messages, tool results, tool calls, tool definitions as JSON) counted with the
 * o200k_base tokenizer of gpt-tokenizer, plus flat allowances for images, documents and message framing. Other
 * vendors' tokenizers differ by some percent: it is an estimate, not a bill.
 * The tokenizer's tables (tens of MiB) load on the first count, not at start-up.
 * @example await estimateInputTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], extra: {} }) // 5
 */
export async function estimateInputTokens(request: ModelRequest): Promise<number> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base')
  let total = 0
  for (const message of request.messages) {
    total += messageOverheadTokens
    if (message.role === 'system') {
      total += countTokens(message.content)
      continue
    }
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
        case 'reasoning':
        case 'refusal':
          total += countTokens(part.text)
          break
        case 'image':
          total += imageTokens
          break
        case 'file':
        case 'audio':
          total += documentTokens
          break
        case 'tool-call':
          total += countTokens(part.name) + countTokens(part.arguments)
          break
        case 'tool-result':
          for (const text of part.content) total += countTokens(text.text)
          break
      }
    }
  }
  for (const tool of request.tools ?? [])
    total += countTokens(JSON.stringify({ name: tool.name, description: tool.description, input_schema: tool.parameters }))
  return total
}
