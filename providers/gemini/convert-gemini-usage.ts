import type { Usage } from '../../src/core/usage.js'
import type { GeminiUsage } from './gemini-wire-schemas.js'

/**
 * Gemini usage metadata to canonical usage. Thinking tokens are output tokens in OpenAI's count
 * (completion_tokens includes reasoning_tokens), so they are added to the candidates' tokens.
 * @example convertGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20 })
 */
export function convertGeminiUsage(usage: GeminiUsage): Usage {
  const promptTokens = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0)
  const completionTokens = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0)
  const converted: Usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
  if (usage.cachedContentTokenCount !== undefined) converted.cachedPromptTokens = usage.cachedContentTokenCount
  if (usage.thoughtsTokenCount !== undefined) converted.reasoningTokens = usage.thoughtsTokenCount
  return converted
}
