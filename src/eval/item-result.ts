import { z } from 'zod'

const tokensSchema = z.object({ prompt: z.number().int().min(0), completion: z.number().int().min(0) })

/** One row of results.json `items` (and of the resume log): one item × approach × model. */
export const itemResultSchema = z.object({
  id: z.string(),
  approach: z.string(),
  model: z.string(),
  /** The model's answer text (as the client got it). */
  answer: z.string(),
  /** What the grader read as the answer; null when it found none. */
  extracted: z.string().nullable(),
  expected: z.string(),
  correct: z.boolean(),
  /** Upstream calls the approach made. */
  calls: z.number().int().min(0),
  tokens: tokensSchema,
  latency_ms: z.number().min(0),
  /** Why the request failed; null when it answered. A failed item counts as not correct. */
  error: z.string().nullable(),
  /** With `--grader judge:<model>`: the judge's own calls and tokens for this row. */
  judge: z.object({ calls: z.number().int().min(0), tokens: tokensSchema }).optional(),
})
export type ItemResult = z.infer<typeof itemResultSchema>

/**
 * The key of one row: item, approach, model.
 * @example readResultKey({ id: '3', approach: 'moa', model: 'gpt-4o-mini' }) // '3\u0000moa\u0000gpt-4o-mini'
 */
export function readResultKey(row: Pick<ItemResult, 'id' | 'approach' | 'model'>): string {
  return `${row.id}\u0000${row.approach}\u0000${row.model}`
}
