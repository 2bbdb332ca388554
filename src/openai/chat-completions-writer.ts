import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage } from 'openai/resources/chat/completions'
import type { ModelResult } from '../core/model-result.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import { convertLogprobsToOpenAI, mapFinishReasonToOpenAI } from './convert-logprobs.js'
import { convertUsageToOpenAI } from './convert-usage.js'
import { toOpenAIError } from './error-body.js'
import type { DialectResponder, EventStreamWriter, SseFrame } from './event-stream-writer.js'
import { applyResponseMetadata, createResponseId, createResponseIdentity, identityFields, type ResponseIdentity } from './response-identity.js'

type ChunkChoice = ChatCompletionChunk.Choice
type ChunkDelta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }

/**
 * Writes canonical events as Chat Completions: `chat.completion.chunk` frames when streaming, one
 * `chat.completion` body otherwise. Both share the response's id, created time and model.
 * @example const responder = createChatCompletionsResponder({ model: 'gpt-4o-mini', includeUsage: true })
 */
export function createChatCompletionsResponder(options: { model: string; includeUsage: boolean }): DialectResponder {
  const identity = createResponseIdentity('chatcmpl-', options.model)
  return {
    createStreamWriter: () => createChatChunkWriter(identity, options.includeUsage),
    createBody: (result) => createChatCompletionBody(identity, result),
  }
}

function createChatChunkWriter(identity: ResponseIdentity, includeUsage: boolean): EventStreamWriter {
  const startedChoices = new Set<number>()
  // tool calls that already sent their first fragment, per choice: `${choice}:${index}`
  const startedCalls = new Set<string>()
  let usage: Usage | undefined

  // Every chunk shares its envelope: serialise it once (again only when the upstream's metadata changes it)
  // and stringify just the choices of each chunk.
  let envelope: string | undefined
  const envelopeStart = (): string =>
    (envelope ??= JSON.stringify({
      id: identity.id,
      object: 'chat.completion.chunk',
      created: identity.created,
      model: identity.model,
      ...identityFields(identity),
    }).slice(0, -1))
  const envelopeEnd = includeUsage ? ',"usage":null}' : '}'
  const frame = (choices: ChunkChoice[]): SseFrame => ({ data: `${envelopeStart()},"choices":${JSON.stringify(choices)}${envelopeEnd}` })
  const deltaFrame = (choice: number, delta: ChunkDelta, logprobs: ChunkChoice['logprobs'] = null): SseFrame => {
    if (!startedChoices.has(choice)) {
      startedChoices.add(choice)
      delta = { role: 'assistant', ...delta }
    }
    return frame([{ index: choice, delta, logprobs, finish_reason: null }])
  }

  return {
    write(event: Exclude<StreamEvent, { type: 'error' }>): SseFrame[] {
      switch (event.type) {
        case 'response-metadata':
          applyResponseMetadata(identity, event.metadata)
          envelope = undefined
          return []
        case 'text-delta':
          return [
            deltaFrame(event.choice, { content: event.delta }, event.logprobs ? { content: convertLogprobsToOpenAI(event.logprobs), refusal: null } : null),
          ]
        case 'reasoning-delta':
          return [deltaFrame(event.choice, { reasoning_content: event.delta })]
        case 'refusal-delta':
          return [
            deltaFrame(event.choice, { refusal: event.delta }, event.logprobs ? { content: null, refusal: convertLogprobsToOpenAI(event.logprobs) } : null),
          ]
        case 'tool-call-delta': {
          const key = `${event.choice}:${event.index}`
          const first = !startedCalls.has(key)
          startedCalls.add(key)
          const call: ChatCompletionChunk.Choice.Delta.ToolCall = first
            ? {
                index: event.index,
                id: event.id ?? createResponseId('call_', 24),
                type: 'function',
                function: { name: event.name ?? '', arguments: event.argumentsDelta },
              }
            : { index: event.index, function: { arguments: event.argumentsDelta } }
          return [deltaFrame(event.choice, first ? { content: null, tool_calls: [call] } : { tool_calls: [call] })]
        }
        case 'finish': {
          const frames: SseFrame[] = startedChoices.has(event.choice) ? [] : [deltaFrame(event.choice, { content: '' })]
          frames.push(frame([{ index: event.choice, delta: {}, logprobs: null, finish_reason: mapFinishReasonToOpenAI(event.finishReason) }]))
          return frames
        }
        // another dialect's own output (a native request): this dialect has its own events of the same answer
        case 'native':
          return []
        case 'usage':
          usage = addUsage(usage, event.usage)
          return []
      }
    },
    fail: (error) => [{ data: JSON.stringify(toOpenAIError(error).body) }],
    end(): SseFrame[] {
      const frames: SseFrame[] = []
      if (includeUsage && usage !== undefined) frames.push({ data: `${envelopeStart()},"choices":[],"usage":${JSON.stringify(convertUsageToOpenAI(usage))}}` })
      frames.push({ data: '[DONE]' })
      return frames
    },
  }
}

function createChatCompletionBody(identity: ResponseIdentity, result: ModelResult): ChatCompletion {
  applyResponseMetadata(identity, result.metadata)
  const choices = result.choices.map((choice): ChatCompletion.Choice => {
    const message: ChatCompletionMessage & { reasoning_content?: string } = {
      role: 'assistant',
      content: choice.text === '' && (choice.toolCalls.length > 0 || choice.refusal !== null) ? null : choice.text,
      refusal: choice.refusal,
    }
    if (choice.toolCalls.length > 0) {
      message.tool_calls = choice.toolCalls.map((call) => ({
        id: call.id === '' ? createResponseId('call_', 24) : call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      }))
    }
    if (choice.reasoning !== '') message.reasoning_content = choice.reasoning
    const logprobs =
      choice.logprobs === null && choice.refusalLogprobs === null
        ? null
        : {
            content: choice.logprobs === null ? null : convertLogprobsToOpenAI(choice.logprobs),
            refusal: choice.refusalLogprobs === null ? null : convertLogprobsToOpenAI(choice.refusalLogprobs),
          }
    return { index: choice.index, message, logprobs, finish_reason: mapFinishReasonToOpenAI(choice.finishReason) }
  })
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    ...(identityFields(identity) as Pick<ChatCompletion, 'system_fingerprint' | 'service_tier'>),
    choices,
    ...(result.usage === undefined ? {} : { usage: convertUsageToOpenAI(result.usage) }),
  }
}
