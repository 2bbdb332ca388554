import type { CompletionUsage } from 'openai/resources/completions'
import type { Usage } from '../core/usage.js'

/** Canonical usage as the OpenAI `usage` object; the details objects appear when any of their counts is known. */
export function convertUsageToOpenAI(usage: Usage): CompletionUsage {
  const converted: CompletionUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  }
  if (usage.cachedPromptTokens !== undefined || usage.audioPromptTokens !== undefined) {
    converted.prompt_tokens_details = {
      ...(usage.cachedPromptTokens === undefined ? {} : { cached_tokens: usage.cachedPromptTokens }),
      ...(usage.audioPromptTokens === undefined ? {} : { audio_tokens: usage.audioPromptTokens }),
    }
  }
  if (
    usage.reasoningTokens !== undefined ||
    usage.audioCompletionTokens !== undefined ||
    usage.acceptedPredictionTokens !== undefined ||
    usage.rejectedPredictionTokens !== undefined
  ) {
    converted.completion_tokens_details = {
      ...(usage.reasoningTokens === undefined ? {} : { reasoning_tokens: usage.reasoningTokens }),
      ...(usage.audioCompletionTokens === undefined ? {} : { audio_tokens: usage.audioCompletionTokens }),
      ...(usage.acceptedPredictionTokens === undefined ? {} : { accepted_prediction_tokens: usage.acceptedPredictionTokens }),
      ...(usage.rejectedPredictionTokens === undefined ? {} : { rejected_prediction_tokens: usage.rejectedPredictionTokens }),
    }
  }
  return converted
}
