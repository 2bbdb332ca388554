import type { CompletionUsage } from 'openai/resources/completions'
import type { Usage } from '../../src/core/usage.js'

/** OpenAI usage (with its details objects, when the upstream sends them) to canonical usage. */
export function convertOpenAIUsage(usage: CompletionUsage): Usage {
  const converted: Usage = {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    totalTokens: usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0),
  }
  const prompt = usage.prompt_tokens_details
  const completion = usage.completion_tokens_details
  if (typeof prompt?.cached_tokens === 'number') converted.cachedPromptTokens = prompt.cached_tokens
  if (typeof prompt?.audio_tokens === 'number') converted.audioPromptTokens = prompt.audio_tokens
  if (typeof completion?.reasoning_tokens === 'number') converted.reasoningTokens = completion.reasoning_tokens
  if (typeof completion?.audio_tokens === 'number') converted.audioCompletionTokens = completion.audio_tokens
  if (typeof completion?.accepted_prediction_tokens === 'number') converted.acceptedPredictionTokens = completion.accepted_prediction_tokens
  if (typeof completion?.rejected_prediction_tokens === 'number') converted.rejectedPredictionTokens = completion.rejected_prediction_tokens
  return converted
}
