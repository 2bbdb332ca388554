import { z } from 'zod'

/**
 * What the proxy reads from an OpenAI-compatible upstream, as zod schemas. Lenient where servers differ
 * (optional ids, missing indexes, `reasoning` vs `reasoning_content`), strict on the types of what is read,
 * so a malformed answer becomes a clear upstream error instead of a crash. Unknown fields are ignored.
 */

const tokenLogprobSchema = z.object({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.number()).nullish(),
  top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()).nullish() })).nullish(),
})
export type OpenAITokenLogprob = z.infer<typeof tokenLogprobSchema>

const choiceLogprobsSchema = z.object({ content: z.array(tokenLogprobSchema).nullish(), refusal: z.array(tokenLogprobSchema).nullish() })

const count = z.number().nullish()
export const openAIUsageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.object({ cached_tokens: count, audio_tokens: count }).nullish(),
  completion_tokens_details: z
    .object({ reasoning_tokens: count, audio_tokens: count, accepted_prediction_tokens: count, rejected_prediction_tokens: count })
    .nullish(),
})
export type OpenAIUsage = z.infer<typeof openAIUsageSchema>

/** Fields every response and chunk may carry about itself. */
const responseIdentityShape = {
  id: z.string().nullish(),
  model: z.string().nullish(),
  created: z.number().nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
  usage: openAIUsageSchema.nullish(),
}

/** Reasoning text beside `content`: DeepSeek and vLLM say `reasoning_content`, OpenRouter and Ollama `reasoning`. */
const reasoningShape = { reasoning_content: z.string().nullish(), reasoning: z.string().nullish() }

export const openAIChatCompletionSchema = z.object({
  ...responseIdentityShape,
  choices: z
    .array(
      z.object({
        index: z.number().int().nullish(),
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({ id: z.string().nullish(), type: z.string().nullish(), function: z.object({ name: z.string(), arguments: z.string().nullish() }) }),
            )
            .nullish(),
          ...reasoningShape,
        }),
        finish_reason: z.string().nullish(),
        logprobs: choiceLogprobsSchema.nullish(),
      }),
    )
    .min(1),
})
export type OpenAIChatCompletion = z.infer<typeof openAIChatCompletionSchema>

export const openAIChatChunkSchema = z.object({
  ...responseIdentityShape,
  choices: z
    .array(
      z.object({
        index: z.number().int().nullish(),
        delta: z
          .object({
            role: z.string().nullish(),
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().nullish(),
                  id: z.string().nullish(),
                  type: z.string().nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
            ...reasoningShape,
          })
          .nullish(),
        finish_reason: z.string().nullish(),
        logprobs: choiceLogprobsSchema.nullish(),
      }),
    )
    .nullish(),
})
export type OpenAIChatChunk = z.infer<typeof openAIChatChunkSchema>

export const openAIModelListSchema = z.object({
  data: z.array(z.object({ id: z.string(), created: z.number().nullish(), owned_by: z.string().nullish() })),
})

/**
 * An error body as OpenAI-compatible servers send it: OpenAI's `{"error": {...}}`, Ollama's `{"error": "text"}`,
 * FastAPI-based servers' `{"detail": ...}`, or a bare `{"message": ...}`.
 */
export const openAIErrorBodySchema = z.object({
  error: z
    .union([
      z.string(),
      z.object({
        message: z.string().nullish(),
        type: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
        param: z.string().nullish(),
      }),
    ])
    .nullish(),
  detail: z.unknown().optional(),
  message: z.string().nullish(),
})
export type OpenAIErrorBody = z.infer<typeof openAIErrorBodySchema>
