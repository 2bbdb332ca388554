import type { ChatCompletion, ChatCompletionChunk, ChatCompletionTokenLogprob } from 'openai/resources/chat/completions'
import type { ToolCallPart } from '../../src/core/message.js'
import type { ChoiceResult, ModelResult } from '../../src/core/model-result.js'
import type { ResponseMetadata, StreamEvent, TokenLogprob } from '../../src/core/stream-event.js'
import { convertOpenAIUsage } from './convert-openai-usage.js'
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js'

/** The reasoning text OpenAI-compatible servers add beside `content` (DeepSeek and vLLM `reasoning_content`, OpenRouter and Ollama `reasoning`). */
function readReasoning(value: object): string | undefined {
  const record = value as { reasoning_content?: unknown; reasoning?: unknown }
  if (typeof record.reasoning_content === 'string') return record.reasoning_content
  if (typeof record.reasoning === 'string') return record.reasoning
  return undefined
}

function convertLogprobs(logprobs: ChatCompletionTokenLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (logprobs === null || logprobs === undefined) return undefined
  return logprobs.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: entry.bytes ?? null,
    topLogprobs: (entry.top_logprobs ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes ?? null })),
  }))
}

function readMetadata(response: ChatCompletion | ChatCompletionChunk): ResponseMetadata {
  const metadata: ResponseMetadata = {}
  if (typeof response.id === 'string') metadata.id = response.id
  if (typeof response.model === 'string') metadata.model = response.model
  if (typeof response.created === 'number') metadata.created = response.created
  if (typeof response.system_fingerprint === 'string') metadata.systemFingerprint = response.system_fingerprint
  if (typeof response.service_tier === 'string') metadata.serviceTier = response.service_tier
  return metadata
}

/** A whole Chat Completions response as a canonical result. */
export function convertOpenAIChatCompletion(completion: ChatCompletion): ModelResult {
  const choices: ChoiceResult[] = (completion.choices ?? []).map((choice, position) => {
    const message = choice.message ?? { content: null, refusal: null }
    const toolCalls: ToolCallPart[] = []
    for (const call of message.tool_calls ?? []) {
      if (call.type === 'function') toolCalls.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments })
    }
    return {
      index: typeof choice.index === 'number' ? choice.index : position,
      text: message.content ?? '',
      reasoning: readReasoning(message) ?? '',
      refusal: message.refusal ?? null,
      toolCalls,
      finishReason: mapOpenAIFinishReason(choice.finish_reason),
      logprobs: convertLogprobs(choice.logprobs?.content) ?? null,
      refusalLogprobs: convertLogprobs(choice.logprobs?.refusal) ?? null,
    }
  })
  return {
    metadata: readMetadata(completion),
    choices,
    ...(completion.usage ? { usage: convertOpenAIUsage(completion.usage) } : {}),
  }
}

/**
 * Converts one streamed chunk into canonical events. `state` carries what must be said only once per stream.
 * @example for await (const chunk of sdkStream) yield* convertOpenAIChatChunk(chunk, state)
 */
export function* convertOpenAIChatChunk(chunk: ChatCompletionChunk, state: { metadataSent: boolean }): Generator<StreamEvent> {
  if (!state.metadataSent) {
    state.metadataSent = true
    yield { type: 'response-metadata', metadata: readMetadata(chunk) }
  }
  for (const choice of chunk.choices ?? []) {
    const index = choice.index ?? 0
    const delta = choice.delta ?? {}
    const reasoning = readReasoning(delta)
    if (reasoning !== undefined && reasoning !== '') yield { type: 'reasoning-delta', choice: index, delta: reasoning }
    const logprobs = convertLogprobs(choice.logprobs?.content)
    if ((typeof delta.content === 'string' && delta.content !== '') || logprobs !== undefined) {
      yield { type: 'text-delta', choice: index, delta: delta.content ?? '', ...(logprobs === undefined ? {} : { logprobs }) }
    }
    const refusalLogprobs = convertLogprobs(choice.logprobs?.refusal)
    if ((typeof delta.refusal === 'string' && delta.refusal !== '') || refusalLogprobs !== undefined) {
      yield { type: 'refusal-delta', choice: index, delta: delta.refusal ?? '', ...(refusalLogprobs === undefined ? {} : { logprobs: refusalLogprobs }) }
    }
    for (const call of delta.tool_calls ?? []) {
      yield {
        type: 'tool-call-delta',
        choice: index,
        index: call.index,
        ...(typeof call.id === 'string' ? { id: call.id } : {}),
        ...(typeof call.function?.name === 'string' ? { name: call.function.name } : {}),
        argumentsDelta: call.function?.arguments ?? '',
      }
    }
    const finishReason = mapOpenAIFinishReason(choice.finish_reason)
    if (finishReason !== null) yield { type: 'finish', choice: index, finishReason }
  }
  if (chunk.usage) yield { type: 'usage', usage: convertOpenAIUsage(chunk.usage) }
}
