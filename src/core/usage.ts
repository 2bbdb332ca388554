/** Token usage. Optional fields are present only when the upstream reported them. */
export interface Usage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  cachedPromptTokens?: number
  audioPromptTokens?: number
  reasoningTokens?: number
  audioCompletionTokens?: number
  acceptedPredictionTokens?: number
  rejectedPredictionTokens?: number
}

const optionalUsageKeys = [
  'cachedPromptTokens',
  'audioPromptTokens',
  'reasoningTokens',
  'audioCompletionTokens',
  'acceptedPredictionTokens',
  'rejectedPredictionTokens',
] as const

/**
 * Sums two usages. An optional count is kept when either side has it.
 * @example addUsage({ promptTokens: 1, completionTokens: 2, totalTokens: 3 }, other)
 */
export function addUsage(left: Usage | undefined, right: Usage): Usage {
  if (left === undefined) return { ...right }
  const sum: Usage = {
    promptTokens: left.promptTokens + right.promptTokens,
    completionTokens: left.completionTokens + right.completionTokens,
    totalTokens: left.totalTokens + right.totalTokens,
  }
  for (const key of optionalUsageKeys) {
    const a = left[key]
    const b = right[key]
    if (a !== undefined || b !== undefined) sum[key] = (a ?? 0) + (b ?? 0)
  }
  return sum
}
