import { z } from 'zod'
import { readWebFailureReason } from '../../src/core/services/web.js'
import { readQuestionText, type ApproachTask, type TaskSource } from '../../src/core/task.js'
import { runFinalStep } from '../shared/final-step.js'
import { addSources } from '../shared/plugin-steps.js'
import { renderConversation } from '../shared/task-prompts.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { runSearches, writeSearchQueries } from '../shared/search-steps.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Search-read-draft rounds; after the first, a round searches only for the gaps the draft has. */
    max_iterations: z.int().min(1).max(5).default(2),
    /** Pages read in all (each one costs a fetch from the request's budget). */
    max_sources: z.int().min(1).max(20).default(6),
    queries_per_round: z.int().min(1).max(5).default(2),
    results_per_query: z.int().min(1).max(10).default(4),
    max_chars_per_source: z.int().min(500).max(50_000).default(6_000),
  })
  .strict()
type DeepResearchOptions = z.infer<typeof optionsSchema>

const draftPrompt = (question: string): string =>
  `Using only the numbered sources above, write a thorough draft answer to: ${question}\n` +
  'Cite every claim with the number of its source in brackets, like [2]. Say plainly what the sources do not cover.'
const gapsPrompt = (question: string, draft: string): string =>
  `Question: ${question}\n\nDraft answer:\n${draft}\n\nWhat does the draft still miss, leave uncertain or leave uncited? ` +
  'Describe each gap in one line. If the draft answers the question fully, answer NONE.'
const reportPrompt = (question: string, draft: string): string =>
  `A draft from your research:\n${draft}\n\nWrite the final answer to: ${question}\n` +
  'Use only the numbered sources above, cite each claim as [n] with its source number, and do not list the sources at the end (they are appended for you).'

/** Reads the pages behind new hits until `max_sources` pages are read; each page read becomes a source. */
async function readNewPages(context: ApproachContext<DeepResearchOptions>, urls: string[], read: TaskSource[], seen: Set<string>): Promise<void> {
  const web = context.web
  if (web === undefined) return
  const wanted = urls.filter((url) => !seen.has(url)).slice(0, context.options.max_sources - read.length)
  for (const url of wanted) seen.add(url)
  const pages = await Promise.allSettled(wanted.map((url) => web.fetchPage(url, context.signal)))
  pages.forEach((outcome, index) => {
    const url = wanted[index] as string
    if (outcome.status === 'rejected') {
      if (context.signal.aborted) throw outcome.reason
      context.trace(`[deep_research] ${url}: not read (${readWebFailureReason(outcome.reason)})\n`)
      return
    }
    const page = outcome.value
    if (page.text.trim() === '') return
    read.push({
      source: page.finalUrl,
      ...(page.title === undefined ? {} : { title: page.title }),
      text: page.text.slice(0, context.options.max_chars_per_source),
    })
    context.trace(`[deep_research] read [${read.length}] ${page.finalUrl}\n`)
  })
}

/** Plan, search, read, draft, find gaps, search again (bounded); returns the sources read and the last draft. */
async function research(context: ApproachContext<DeepResearchOptions>): Promise<{ sources: TaskSource[]; draft: string | undefined }> {
  const { options, task } = context
  const question = readQuestionText(task)
  const read: TaskSource[] = []
  const seen = new Set<string>()
  let draft: string | undefined
  let queries = await writeSearchQueries(context, question, options.queries_per_round, '', 0)
  for (let round = 0; round < options.max_iterations && queries.length > 0; round++) {
    context.trace(`[deep_research] round ${round + 1}: searching ${queries.map((query) => `"${query}"`).join(', ')}\n`)
    const hits = await runSearches(context, queries, options.results_per_query)
    await readNewPages(
      context,
      hits.map((hit) => hit.url),
      read,
      seen,
    )
    if (read.length === 0) {
      context.trace('[deep_research] nothing could be read this round\n')
      continue
    }
    const drafted = { ...task, sources: [...task.sources, ...read] }
    draft = readText(
      await context.generate(
        createStepRequest(context.request, [...renderConversation({ ...drafted, draft: undefined }), createUserMessage(draftPrompt(question))]),
        { name: 'draft', index: round },
      ),
    )
    context.offerBest(draft)
    context.trace(`[deep_research] draft ${round + 1}: ${draft.length} characters\n`)
    if (round + 1 >= options.max_iterations || read.length >= options.max_sources) break
    const gaps = readText(
      await context.generate(createStepRequest(context.request, [createUserMessage(gapsPrompt(question, draft))]), { name: 'critique', index: round }),
    ).trim()
    if (gaps === '' || /^none\.?$/i.test(gaps)) {
      context.trace('[deep_research] no gaps left\n')
      break
    }
    context.trace(`[deep_research] gaps:\n${gaps}\n`)
    queries = await writeSearchQueries(context, question, options.queries_per_round, `${gaps}`, round + 1)
  }
  context.record({ kind: 'note', text: `deep_research read ${read.length} sources` })
  return { sources: read, draft }
}

/** The reference list: only the sources the answer cites, by their numbers; every source read when it cites none. */
function renderReferences(answer: string, sources: readonly TaskSource[], offset: number): string {
  const cited = new Set([...answer.matchAll(/\[(\d{1,3})\]/g)].map((match) => Number(match[1])))
  const listed = sources.map((entry, index) => ({ entry, number: offset + index + 1 })).filter(({ number }) => cited.size === 0 || cited.has(number))
  if (listed.length === 0) return ''
  return `\n\nSources:\n${listed.map(({ entry, number }) => `[${number}] ${entry.title === undefined ? entry.source : `${entry.title}: ${entry.source}`}`).join('\n')}\n`
}

/** `deep_research`: iterative research ending in a cited answer. Costs 1 + per round (draft, gaps, queries) + 1 final. */
export const deepResearchApproach: Approach<DeepResearchOptions> = {
  id: 'deep_research',
  description: 'Plugin: plans, searches, reads, drafts, finds the gaps and searches again (bounded), then answers with numbered citations to the pages read.',
  optionsSchema: optionsSchema as z.ZodType<DeepResearchOptions>,
  async enrich(context): Promise<ApproachTask> {
    const { sources } = await research(context)
    return addSources(context.task, sources)
  },
  async *run(context) {
    const { sources, draft } = await research(context)
    const question = readQuestionText(context.task)
    const offset = context.task.sources.length
    const task = addSources(context.task, sources)
    if (sources.length === 0) {
      context.trace('[deep_research] no source could be read; answering from the model alone\n')
      yield* runFinalStep(context, createFinalRequest(context.request, renderConversation(context.task)))
      return
    }
    let answer = ''
    const request = createFinalRequest(context.request, [
      ...renderConversation({ ...task, draft: undefined }),
      createUserMessage(reportPrompt(question, draft ?? '(none)')),
    ])
    for await (const event of runFinalStep(context, request)) {
      if (event.type === 'text-delta') answer += event.delta
      if (event.type === 'finish') {
        yield* emitReferences(renderReferences(answer, sources, offset))
      }
      yield event
    }
  },
}

function* emitReferences(text: string): Generator<{ type: 'text-delta'; choice: number; delta: string }> {
  if (text !== '') yield { type: 'text-delta', choice: 0, delta: text }
}
