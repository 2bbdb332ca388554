import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import { completionsRequestSchema } from './completions-schema.js'
import { convertZodError } from './convert-zod-error.js'
import { readApproachFields, type ClientRequest } from './parse-chat-completions-request.js'

const consumedFields = new Set([
  'model',
  'prompt',
  'stream',
  'stream_options',
  'n',
  'best_of',
  'echo',
  'suffix',
  'stop',
  'temperature',
  'top_p',
  'seed',
  'max_tokens',
  'frequency_penalty',
  'presence_penalty',
  'logprobs',
  'user',
  'optillm_approach',
  'approach',
  'optiproxy',
])

export interface CompletionsClientRequest {
  /** One canonical request per prompt: each prompt is a user turn answered by the chat pipeline. */
  prompts: Array<{ prompt: string; clientRequest: ClientRequest }>
  streaming: boolean
  includeUsage: boolean
  n: number
  echo: boolean
  /** The number of top logprobs per token the client asked for, or undefined for none. */
  logprobs?: number
}

/**
 * Validates a legacy Completions body and turns each prompt into a canonical chat request. The proxy serves
 * completions through chat models, so what only a raw completion model can do is refused with a 400 that says
 * why: token-id prompts, `suffix` (insertion) and `best_of` above `n`.
 */
export function parseCompletionsRequest(body: unknown): CompletionsClientRequest {
  const parsed = completionsRequestSchema.safeParse(body, { reportInput: true })
  if (!parsed.success) throw convertZodError(parsed.error)
  const data = parsed.data
  const prompts = typeof data.prompt === 'string' ? [data.prompt] : data.prompt
  if (!prompts.every((prompt): prompt is string => typeof prompt === 'string')) {
    throw createInvalidRequestError(
      "Invalid value for 'prompt': token-id prompts are not supported; optiproxy answers completions with chat models, send the prompt as text.",
      'prompt',
      'invalid_value',
    )
  }
  if (data.suffix != null && data.suffix !== '') {
    throw createInvalidRequestError(
      "Invalid value for 'suffix': insertion is not supported; optiproxy answers completions with chat models.",
      'suffix',
      'invalid_value',
    )
  }
  const n = data.n ?? 1
  if (data.best_of != null && data.best_of > n) {
    throw createInvalidRequestError(
      "Invalid value for 'best_of': server-side best-of is not supported; use the `bon` approach or set best_of equal to n.",
      'best_of',
      'invalid_value',
    )
  }
  const extra: Record<string, unknown> = {}
  for (const key of Object.keys(data)) {
    if (!consumedFields.has(key) && data[key] !== undefined) extra[key] = data[key]
  }
  const template: Omit<ModelRequest, 'messages'> = { model: data.model, extra }
  if (data.n != null) template.n = data.n
  if (data.stop != null) template.stop = typeof data.stop === 'string' ? [data.stop] : data.stop
  if (data.temperature != null) template.temperature = data.temperature
  if (data.top_p != null) template.topP = data.top_p
  if (data.seed != null) template.seed = data.seed
  if (data.max_tokens != null) {
    template.maxOutputTokens = data.max_tokens
    template.maxOutputTokensName = 'max_tokens'
  }
  if (data.frequency_penalty != null) template.frequencyPenalty = data.frequency_penalty
  if (data.presence_penalty != null) template.presencePenalty = data.presence_penalty
  if (data.logprobs != null) {
    template.logprobs = true
    template.topLogprobs = data.logprobs
  }
  if (data.user !== undefined) template.user = data.user
  const streaming = data.stream === true
  return {
    prompts: prompts.map((prompt) => ({
      prompt,
      clientRequest: {
        request: { ...template, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] },
        streaming,
        includeUsage: data.stream_options?.include_usage === true,
        ...readApproachFields(data),
      },
    })),
    streaming,
    includeUsage: data.stream_options?.include_usage === true,
    n,
    echo: data.echo === true,
    ...(data.logprobs != null ? { logprobs: data.logprobs } : {}),
  }
}
