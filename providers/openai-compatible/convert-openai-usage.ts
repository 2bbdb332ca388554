import type { Usage } from '../../src/core/usage.js'
import type { OpenAIUsage } from './openai-wire-schemas.js'

/** OpenAI usage (with its details objects, when the upstream sends them) to canonical usage. */
export function convertOpenAIUsage(usage: OpenAIUsage): Usage {
  const converted: Usage = {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  }
  const prompt = usage.prompt_tokens_details
  const completion = usage.completion_tokens_details
  if (prompt?.cached_tokens != null) converted.cachedPromptTokens = prompt.cached_tokens
  if (prompt?.audio_tokens != null) converted.audioPromptTokens = prompt.audio_tokens
  if (completion?.reasoning_tokens != null) converted.reasoningTokens = completion.reasoning_tokens
  if (completion?.audio_tokens != null) converted.audioCompletionTokens = completion.audio_tokens
  if (completion?.accepted_prediction_tokens != null) converted.acceptedPredictionTokens = completion.accepted_prediction_tokens
  if (completion?.rejected_prediction_tokens != null) converted.rejectedPredictionTokens = completion.rejected_prediction_tokens
  return converted
}
