import { z } from 'zod'

/** Most items one dataset may hold. */
export const maxDatasetItems = 100_000
/** Longest text of one field (question, answer, a message, a choice) in characters. */
export const maxFieldChars = 200_000
/** Most choices of one multiple-choice item (A to Z). */
export const maxChoices = 26

const text = z.string().max(maxFieldChars)

/** One chat message of a dataset row, in the OpenAI shape (text content or text parts). */
export const datasetMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([text, z.array(z.object({ type: z.literal('text'), text })).max(64)]),
})
export type DatasetMessage = z.infer<typeof datasetMessageSchema>

/** One row as written in a JSONL line or a CSV record (CSV cells are strings; `messages` and `choices` may be JSON). */
export const datasetRowSchema = z
  .object({
    id: z.union([z.string().max(200), z.number()]).optional(),
    question: text.optional(),
    messages: z.array(datasetMessageSchema).min(1).max(256).optional(),
    answer: z.union([text, z.number()], { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string or a number') }),
    choices: z
      .array(z.union([text, z.number()]))
      .min(2)
      .max(maxChoices)
      .optional(),
  })
  .refine((row) => (row.question === undefined) !== (row.messages === undefined), { message: 'needs either `question` or `messages` (not both)' })
export type DatasetRow = z.infer<typeof datasetRowSchema>

/** One item ready to run: what the model is asked and what counts as right. */
export interface EvalItem {
  id: string
  /** The line it came from (JSONL), or the line its record ends on (CSV, whose cells may span lines). */
  line: number
  /** The conversation sent to the model. */
  messages: DatasetMessage[]
  /** The question as text (the last user message), for graders and the judge. */
  question: string
  /** The expected answer: a GSM8K `#### 42` reduced to `42`, a multiple-choice answer as its letter. */
  expected: string
  /** Multiple-choice options, in order (A, B, C, ...). */
  choices?: string[]
}
