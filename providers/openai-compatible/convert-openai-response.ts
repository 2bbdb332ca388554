import type { ToolCallPart } from '../../src/core/message.js'
import type { ChoiceResult, ModelResult } from '../../src/core/model-result.js'
import type { ResponseMetadata, StreamEvent, TokenLogprob } from '../../src/core/stream-event.js'
import { convertOpenAIUsage } from './convert-openai-usage.js'
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js'
import type { OpenAIChatChunk, OpenAIChatCompletion, OpenAITokenLogprob } from './openai-wire-schemas.js'

function readReasoning(value: { reasoning_content?: string | null; reasoning?: string | null }): string | undefined {
  return value.reasoning_content ?? value.reasoning ?? undefined
}

function convertLogprobs(logprobs: OpenAITokenLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (logprobs == null) return undefined
  return logprobs.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: entry.bytes ?? null,
    topLogprobs: (entry.top_logprobs ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes ?? null })),
  }))
}

function readMetadata(response: OpenAIChatCompletion | OpenAIChatChunk): ResponseMetadata {
  const metadata: ResponseMetadata = {}
  if (response.id != null) metadata.id = response.id
  if (response.model != null) metadata.model = response.model
  if (response.created != null) metadata.created = response.created
  if (response.system_fingerprint != null) metadata.systemFingerprint = response.system_fingerprint
  if (response.service_tier != null) metadata.serviceTier = response.service_tier
  return metadata
}

/**
 * A whole Chat Completions response as a canonical result. Tool calls without an id get a stable one
 * (`call_<choice>_<index>`), so the client can still answer them.
 */
export function convertOpenAIChatCompletion(completion: OpenAIChatCompletion): ModelResult {
  const choices: ChoiceResult[] = completion.choices.map((choice, position) => {
    const index = choice.index ?? position
    const message = choice.message
    const toolCalls: ToolCallPart[] = (message.tool_calls ?? []).map((call, callIndex) => ({
      type: 'tool-call',
      id: call.id ?? `call_${index}_${callIndex}`,
      name: call.function.name,
      arguments: call.function.arguments ?? '',
    }))
    return {
      index,
      text: message.content ?? '',
      reasoning: readReasoning(message) ?? '',
      refusal: message.refusal ?? null,
      toolCalls,
      finishReason: mapOpenAIFinishReason(choice.finish_reason),
      logprobs: convertLogprobs(choice.logprobs?.content) ?? null,
      refusalLogprobs: convertLogprobs(choice.logprobs?.refusal) ?? null,
    }
  })
  return { metadata: readMetadata(completion), choices, ...(completion.usage == null ? {} : { usage: convertOpenAIUsage(completion.usage) }) }
}

/**
 * Converts one streamed chunk into canonical events. `state` carries what is said once per stream.
 * The upstream's first chunk (role, empty content) becomes an empty text delta, so the client's first byte
 * leaves as soon as the upstream's does.
 * @example for (const event of convertOpenAIChatChunk(chunk, state)) yield event
 */
export function* convertOpenAIChatChunk(chunk: OpenAIChatChunk, state: { metadataSent: boolean }): Generator<StreamEvent> {
  if (!state.metadataSent) {
    state.metadataSent = true
    yield { type: 'response-metadata', metadata: readMetadata(chunk) }
  }
  for (const [position, choice] of (chunk.choices ?? []).entries()) {
    const index = choice.index ?? position
    const delta = choice.delta ?? {}
    const reasoning = readReasoning(delta)
    if (reasoning !== undefined && reasoning !== '') yield { type: 'reasoning-delta', choice: index, delta: reasoning }
    const logprobs = convertLogprobs(choice.logprobs?.content)
    const content = delta.content ?? ''
    const opensChoice = delta.role != null && delta.tool_calls == null && reasoning === undefined && delta.refusal == null
    if (content !== '' || logprobs !== undefined || opensChoice) {
      yield { type: 'text-delta', choice: index, delta: content, ...(logprobs === undefined ? {} : { logprobs }) }
    }
    const refusalLogprobs = convertLogprobs(choice.logprobs?.refusal)
    if ((delta.refusal != null && delta.refusal !== '') || refusalLogprobs !== undefined) {
      yield { type: 'refusal-delta', choice: index, delta: delta.refusal ?? '', ...(refusalLogprobs === undefined ? {} : { logprobs: refusalLogprobs }) }
    }
    for (const [callPosition, call] of (delta.tool_calls ?? []).entries()) {
      yield {
        type: 'tool-call-delta',
        choice: index,
        index: call.index ?? callPosition,
        ...(call.id == null ? {} : { id: call.id }),
        ...(call.function?.name == null ? {} : { name: call.function.name }),
        argumentsDelta: call.function?.arguments ?? '',
      }
    }
    const finishReason = mapOpenAIFinishReason(choice.finish_reason)
    if (finishReason !== null) yield { type: 'finish', choice: index, finishReason }
  }
  if (chunk.usage != null) yield { type: 'usage', usage: convertOpenAIUsage(chunk.usage) }
}
