import { createHash } from 'node:crypto'

const generatedPrefix = 'call_gemini_'

/**
 * An id for a function call Gemini sent without one (older models): derived from the response id, the candidate
 * and the call's position, so the streamed and the whole answer give the same id. The prefix marks it as ours:
 * it is not sent back to Gemini.
 * @example createGeminiCallId('resp-1', 0, 1) // 'call_gemini_…'
 */
export function createGeminiCallId(responseId: string | undefined, candidate: number, index: number, name: string): string {
  const digest = createHash('sha256')
    .update(`${responseId ?? ''}\u0000${candidate}\u0000${index}\u0000${name}`)
    .digest('base64url')
  return `${generatedPrefix}${digest.slice(0, 22)}`
}

/** Whether the proxy made this call id up (see createGeminiCallId). */
export function isGeneratedGeminiCallId(id: string): boolean {
  return id.startsWith(generatedPrefix)
}
