import type { Usage } from '../../src/core/usage.js'
import type { AnthropicUsage } from './anthropic-wire-schemas.js'

/**
 * Anthropic usage to canonical usage. Anthropic counts cache reads and cache writes apart from input_tokens;
 * OpenAI's prompt_tokens includes them, with the reads as cached tokens.
 * @example convertAnthropicUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 90 })
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0
  const promptTokens = (usage.input_tokens ?? 0) + cacheRead + (usage.cache_creation_input_tokens ?? 0)
  const completionTokens = usage.output_tokens ?? 0
  const converted: Usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
  if (usage.cache_read_input_tokens != null) converted.cachedPromptTokens = cacheRead
  const thinking = usage.output_tokens_details?.thinking_tokens
  if (thinking != null) converted.reasoningTokens = thinking
  return converted
}
