import type { FinishReason } from '../../src/core/stream-event.js'

const filteredReasons = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
])

/**
 * Gemini's finishReason as a canonical finish reason. Gemini says STOP after a function call too: a candidate
 * that made calls finished with `tool-calls`. MAX_TOKENS is `length`; safety, recitation and blocklist stops
 * are `content-filter`; anything else is `stop`.
 * @example mapGeminiFinishReason('STOP', true) // 'tool-calls'
 */
export function mapGeminiFinishReason(reason: string, madeToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length'
  if (filteredReasons.has(reason)) return 'content-filter'
  return madeToolCalls ? 'tool-calls' : 'stop'
}
