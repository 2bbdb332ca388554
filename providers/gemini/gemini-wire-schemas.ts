import { z } from 'zod'

const partSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  functionCall: z.looseObject({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).optional(),
})

export const geminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
})
export type GeminiUsage = z.infer<typeof geminiUsageSchema>

/** One generateContent answer, or one chunk of a streamed one (the fields the proxy reads). */
export const geminiResponseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        content: z.looseObject({ parts: z.array(partSchema).optional() }).optional(),
        finishReason: z.string().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: geminiUsageSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
})
export type GeminiResponse = z.infer<typeof geminiResponseSchema>

/** `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}` */
export const geminiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional(), retryDelay: z.string().optional(), reason: z.string().optional() })).optional(),
  }),
})
