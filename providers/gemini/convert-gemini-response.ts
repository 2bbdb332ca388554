import type { StreamEvent } from '../../src/core/stream-event.js'
import { convertGeminiUsage } from './convert-gemini-usage.js'
import { createGeminiCallId } from './gemini-call-id.js'
import type { GeminiResponse, GeminiUsage } from './gemini-wire-schemas.js'
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js'

/** What a streamed answer has told so far, per candidate. */
export interface GeminiStreamState {
  metadataSent: boolean
  responseId?: string
  /** candidate -> number of function calls so far */
  toolCallCounts: Map<number, number>
  finished: Set<number>
  usage?: GeminiUsage
  candidateCount: number
}

export function createGeminiStreamState(candidateCount: number): GeminiStreamState {
  return { metadataSent: false, toolCallCounts: new Map(), finished: new Set(), candidateCount }
}

/**
 * One generateContent answer (whole, or one chunk of a stream) as canonical events. Gemini sends each function
 * call whole: it becomes one tool-call delta with its id (generated when Gemini sent none). Usage is cumulative
 * in every chunk: it is kept in the state and sent once, by finishGeminiStream.
 * @example for (const event of convertGeminiResponse(chunk, state)) yield event
 */
export function* convertGeminiResponse(response: GeminiResponse, state: GeminiStreamState): Generator<StreamEvent> {
  state.responseId ??= response.responseId
  if (!state.metadataSent) {
    state.metadataSent = true
    yield {
      type: 'response-metadata',
      metadata: {
        ...(response.responseId === undefined ? {} : { id: response.responseId }),
        ...(response.modelVersion === undefined ? {} : { model: response.modelVersion }),
      },
    }
  }
  if (response.usageMetadata !== undefined) state.usage = response.usageMetadata
  const candidates = response.candidates ?? []
  if (candidates.length === 0 && response.promptFeedback?.blockReason !== undefined) {
    // the prompt itself was blocked: no candidate will come
    for (let choice = 0; choice < state.candidateCount; choice++) {
      if (state.finished.has(choice)) continue
      state.finished.add(choice)
      yield { type: 'finish', choice, finishReason: 'content-filter' }
    }
    return
  }
  for (const [position, candidate] of candidates.entries()) {
    const choice = candidate.index ?? position
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall !== undefined) {
        const index = state.toolCallCounts.get(choice) ?? 0
        state.toolCallCounts.set(choice, index + 1)
        const call = part.functionCall
        const id = call.id ?? createGeminiCallId(state.responseId, choice, index, call.name)
        yield { type: 'tool-call-delta', choice, index, id, name: call.name, argumentsDelta: JSON.stringify(call.args ?? {}) }
      } else if (part.text !== undefined && part.text !== '') {
        yield part.thought === true ? { type: 'reasoning-delta', choice, delta: part.text } : { type: 'text-delta', choice, delta: part.text }
      }
    }
    if (candidate.finishReason !== undefined && candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED' && !state.finished.has(choice)) {
      state.finished.add(choice)
      yield { type: 'finish', choice, finishReason: mapGeminiFinishReason(candidate.finishReason, (state.toolCallCounts.get(choice) ?? 0) > 0) }
    }
  }
}

/**
 * The end of an answer: its usage, once.
 * @example yield* finishGeminiStream(state)
 */
export function* finishGeminiStream(state: GeminiStreamState): Generator<StreamEvent> {
  if (state.usage !== undefined) yield { type: 'usage', usage: convertGeminiUsage(state.usage) }
}
