import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions'
import type { Message, TextPart, UserContentPart } from '../../src/core/message.js'
import type { ModelRequest, ResponseFormat, ToolChoice, ToolDefinition } from '../../src/core/request.js'

/**
 * The canonical request as an OpenAI Chat Completions body. Unknown client fields (`request.extra`) go first,
 * untouched, so vendor parameters of vLLM, Ollama or OpenRouter reach them; canonical fields are written after.
 * A streamed call always asks for usage, so the proxy can count tokens whether or not the client asked.
 */
export function convertToOpenAIChatRequest(request: ModelRequest, streaming: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request.extra }
  body.model = request.model
  body.messages = request.messages.flatMap(convertMessage)
  if (request.tools !== undefined) body.tools = request.tools.map(convertTool)
  if (request.toolChoice !== undefined) body.tool_choice = convertToolChoice(request.toolChoice)
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls
  if (request.responseFormat !== undefined) body.response_format = convertResponseFormat(request.responseFormat)
  if (request.n !== undefined) body.n = request.n
  if (request.stop !== undefined) body.stop = request.stop
  if (request.temperature !== undefined) body.temperature = request.temperature
  if (request.topP !== undefined) body.top_p = request.topP
  if (request.seed !== undefined) body.seed = request.seed
  if (request.maxOutputTokens !== undefined) body[request.maxOutputTokensName ?? 'max_tokens'] = request.maxOutputTokens
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort
  if (request.logprobs !== undefined) body.logprobs = request.logprobs
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs
  if (request.user !== undefined) body.user = request.user
  if (request.metadata !== undefined) body.metadata = request.metadata
  if (streaming) {
    body.stream = true
    body.stream_options = { include_usage: true }
  }
  return body
}

function convertMessage(message: Message): ChatCompletionMessageParam[] {
  switch (message.role) {
    case 'system':
      return [{ role: message.developer === true ? 'developer' : 'system', content: message.content, ...withName(message.name) }]
    case 'user': {
      const only = message.content[0]
      const content = message.content.length === 1 && only?.type === 'text' ? only.text : message.content.map(convertUserPart)
      return [{ role: 'user', content, ...withName(message.name) }]
    }
    case 'assistant': {
      const texts: TextPart[] = []
      let refusal: string | undefined
      const toolCalls = []
      for (const part of message.content) {
        // reasoning is not sent back: OpenAI-compatible servers reject or ignore it in input
        if (part.type === 'text') texts.push(part)
        else if (part.type === 'refusal') refusal = (refusal ?? '') + part.text
        else if (part.type === 'tool-call') {
          toolCalls.push({ id: part.id, type: 'function' as const, function: { name: part.name, arguments: part.arguments } })
        }
      }
      return [
        {
          role: 'assistant',
          content:
            texts.length === 0 ? null : texts.length === 1 ? (texts[0] as TextPart).text : texts.map((text) => ({ type: 'text' as const, text: text.text })),
          ...(refusal === undefined ? {} : { refusal }),
          ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
          ...withName(message.name),
        },
      ]
    }
    case 'tool':
      return message.content.map((result) => {
        const only = result.content[0]
        return {
          role: 'tool' as const,
          tool_call_id: result.toolCallId,
          content: result.content.length === 1 && only !== undefined ? only.text : result.content.map((part) => ({ type: 'text' as const, text: part.text })),
        }
      })
  }
}

function withName(name: string | undefined): { name?: string } {
  return name === undefined ? {} : { name }
}

function convertUserPart(part: UserContentPart): ChatCompletionContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text }
    case 'image':
      return { type: 'image_url', image_url: { url: part.url, ...(part.detail === undefined ? {} : { detail: part.detail }) } }
    case 'audio':
      return { type: 'input_audio', input_audio: { data: part.data, format: part.format as 'wav' | 'mp3' } }
    case 'file':
      return {
        type: 'file',
        file: {
          ...(part.fileId === undefined ? {} : { file_id: part.fileId }),
          ...(part.fileData === undefined ? {} : { file_data: part.fileData }),
          ...(part.filename === undefined ? {} : { filename: part.filename }),
        },
      }
  }
}

function convertTool(tool: ToolDefinition): ChatCompletionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters === undefined ? {} : { parameters: tool.parameters }),
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  }
}

function convertToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } }
}

function convertResponseFormat(format: ResponseFormat): Record<string, unknown> {
  switch (format.type) {
    case 'text':
      return { type: 'text' }
    case 'json-object':
      return { type: 'json_object' }
    case 'json-schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          ...(format.description === undefined ? {} : { description: format.description }),
          ...(format.schema === undefined ? {} : { schema: format.schema }),
          ...(format.strict === undefined ? {} : { strict: format.strict }),
        },
      }
  }
}
