import { z } from 'zod'
import type { ApproachTask, TaskSource } from '../../src/core/task.js'
import { readQuestionText } from '../../src/core/task.js'
import { createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { answerEnrichedTask } from '../shared/plugin-steps.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'
import { chunkText, type TextChunk } from './chunk-text.js'

const optionsSchema = z
  .object({
    /** Characters of material (sources and question) up to which the task passes unchanged. */
    budget_chars: z.int().min(1_000).max(2_000_000).default(16_000),
    chunk_chars: z.int().min(200).max(20_000).default(1_500),
    overlap_chars: z.int().min(0).max(2_000).default(150),
    /** Chunks kept for the question. */
    top_k: z.int().min(1).max(50).default(6),
    /** One extra call: the model lists the facts in the chosen chunks that bear on the question. */
    extract_facts: z.boolean().default(true),
  })
  .strict()
  .refine((options) => options.overlap_chars < options.chunk_chars / 2, {
    message: 'overlap_chars must be less than half of chunk_chars',
    path: ['overlap_chars'],
  })
type MemoryOptions = z.infer<typeof optionsSchema>

const factsPrompt = (question: string, excerpts: string): string =>
  `Excerpts from a long document:\n\n${excerpts}\n\nQuestion: ${question}\n\n` +
  'List, one per line, every fact in these excerpts that helps answer the question, quoting names, numbers and dates exactly. ' +
  'If none does, answer NONE.'

/** The question's own query: a long question is "document, then the ask"; its last paragraph is the ask. */
function splitQuestion(text: string, budget: number): { document: string; query: string } {
  if (text.length <= budget / 4) return { document: '', query: text }
  const cut = text.trimEnd().lastIndexOf('\n\n')
  if (cut > 0 && text.length - cut <= 2_000) return { document: text.slice(0, cut), query: text.slice(cut).trim() }
  return { document: text, query: text.slice(-1_000) }
}

/** BM25 (minisearch) over the chunks; ties go to the earlier chunk; the chosen come back in document order. */
async function selectChunks(chunks: TextChunk[], query: string, topK: number): Promise<TextChunk[]> {
  // minisearch loads with the first long input, not at start-up
  const { default: MiniSearch } = await import('minisearch')
  const index = new MiniSearch<TextChunk>({ idField: 'index', fields: ['text'], storeFields: [] })
  index.addAll(chunks)
  const ranked = index.search(query, { combineWith: 'OR', fuzzy: false, prefix: false }).sort((a, b) => b.score - a.score || Number(a.id) - Number(b.id))
  const chosen = new Set(ranked.slice(0, topK).map((hit) => Number(hit.id)))
  // nothing matched a word of the query: keep the opening chunks
  if (chosen.size === 0) for (const chunk of chunks.slice(0, topK)) chosen.add(chunk.index)
  return chunks.filter((chunk) => chosen.has(chunk.index))
}

/**
 * Keeps a long task within a small context: the material is cut into chunks, the chunks that score best for the
 * question under BM25 are kept (in document order), and optionally the model lists the relevant facts in them.
 * @example await enrichWithMemory(context) // sources: memory excerpts + `memory:facts`
 */
async function enrichWithMemory(context: ApproachContext<MemoryOptions>): Promise<ApproachTask> {
  const { task, options } = context
  const questionText = readQuestionText(task)
  const material = task.sources.reduce((sum, entry) => sum + entry.text.length, 0) + questionText.length
  if (material <= options.budget_chars) {
    context.trace(`[memory] ${material} characters fit the budget (${options.budget_chars}); nothing to select\n`)
    return task
  }
  const { document, query } = splitQuestion(questionText, options.budget_chars)
  const chunks: TextChunk[] = []
  for (const entry of task.sources) chunks.push(...chunkText(entry.source, entry.text, options.chunk_chars, options.overlap_chars, chunks.length))
  if (document !== '') chunks.push(...chunkText('question', document, options.chunk_chars, options.overlap_chars, chunks.length))
  const chosen = await selectChunks(chunks, query, options.top_k)
  context.trace(
    `[memory] ${material} characters over the budget (${options.budget_chars}): ${chunks.length} chunks, kept ${chosen.map((chunk) => chunk.index).join(', ')} (BM25 on the question)\n`,
  )
  context.record({ kind: 'note', text: `memory kept chunks ${chosen.map((chunk) => chunk.index).join(',')} of ${chunks.length}` })
  const sources: TaskSource[] = chosen.map((chunk) => ({ source: `${chunk.source}#chunk-${chunk.index}`, text: chunk.text }))
  if (options.extract_facts) {
    const excerpts = chosen.map((chunk) => `[chunk ${chunk.index}] ${chunk.text}`).join('\n\n')
    const facts = readText(
      await context.generate(createStepRequest(context.request, [createUserMessage(factsPrompt(query, excerpts))]), { name: 'extraction' }),
    ).trim()
    if (facts !== '' && !/^none\.?$/i.test(facts)) {
      sources.push({ source: 'memory:facts', title: 'Facts noted from the excerpts', text: facts })
      context.trace(`[memory] facts noted:\n${facts}\n`)
    }
  }
  const question =
    document === ''
      ? task.question
      : { ...task.question, content: [{ type: 'text' as const, text: query }, ...task.question.content.filter((part) => part.type !== 'text')] }
  return { ...task, question, sources }
}

/** `memory`: long inputs reduced to the chunks that bear on the question. Costs 0 calls, or 1 with extract_facts. */
export const memoryApproach: Approach<MemoryOptions> = {
  id: 'memory',
  description: 'Plugin: cuts long material into chunks, keeps the ones relevant to the question (BM25) and the facts the model notes in them.',
  optionsSchema: optionsSchema as unknown as z.ZodType<MemoryOptions>,
  enrich: enrichWithMemory,
  async *run(context) {
    yield* answerEnrichedTask(context, await enrichWithMemory(context))
  },
}
