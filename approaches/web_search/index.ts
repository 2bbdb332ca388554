import { z } from 'zod'
import { readWebFailureReason } from '../../src/core/services/web.js'
import { readQuestionText, type ApproachTask, type TaskSource } from '../../src/core/task.js'
import { addSources, answerEnrichedTask } from '../shared/plugin-steps.js'
import { runSearches, writeSearchQueries } from '../shared/search-steps.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Queries the model writes from the question (one call); 0: the question itself is the query (no call). */
    queries: z.int().min(0).max(5).default(2),
    /** Results kept per query. */
    results: z.int().min(1).max(20).default(5),
    /** Also read the top result pages (through the guarded fetch layer) instead of only their snippets. */
    fetch_pages: z.boolean().default(false),
    max_pages: z.int().min(1).max(10).default(3),
    max_chars_per_page: z.int().min(500).max(100_000).default(8_000),
  })
  .strict()
type WebSearchOptions = z.infer<typeof optionsSchema>

/**
 * Searches the web for the question and adds the results (or the pages they point to) as numbered sources.
 * @example await enrichWithSearch(context) // sources: [{ source: 'https://...', title, text: snippet }, ...]
 */
async function enrichWithSearch(context: ApproachContext<WebSearchOptions>): Promise<ApproachTask> {
  const { task, options } = context
  const question = readQuestionText(task)
  if (question.trim() === '') return task
  const queries = options.queries === 0 ? [question.slice(0, 400)] : await writeSearchQueries(context, question, options.queries, '')
  const hits = (await runSearches(context, queries, options.results)).slice(0, options.results * Math.max(1, queries.length))
  if (hits.length === 0) {
    context.trace('[web_search] no results; answering without web context\n')
    return task
  }
  const sources: TaskSource[] = hits.map((hit) => ({ source: hit.url, title: hit.title, text: hit.snippet }))
  if (options.fetch_pages && context.web !== undefined) {
    const web = context.web
    const top = sources.slice(0, options.max_pages)
    const pages = await Promise.allSettled(top.map((entry) => web.fetchPage(entry.source, context.signal)))
    pages.forEach((outcome, index) => {
      const entry = top[index] as TaskSource
      if (outcome.status === 'fulfilled') {
        sources[index] = { ...entry, text: outcome.value.text.slice(0, options.max_chars_per_page) }
        context.trace(`[web_search] read ${entry.source} (${outcome.value.text.length} characters)\n`)
      } else {
        if (context.signal.aborted) throw outcome.reason
        context.trace(`[web_search] ${entry.source}: kept the snippet, the page was not read (${readWebFailureReason(outcome.reason)})\n`)
      }
    })
  }
  context.record({ kind: 'note', text: `web_search added ${sources.length} sources` })
  return addSources(task, sources)
}

/** `web_search`: search results for the question as cited sources. Costs 1 call (the queries), 0 with queries: 0. */
export const webSearchApproach: Approach<WebSearchOptions> = {
  id: 'web_search',
  description: 'Plugin: searches the configured backend (SearXNG, Brave, Tavily) for the question and adds the results as cited sources.',
  optionsSchema: optionsSchema as z.ZodType<WebSearchOptions>,
  enrich: enrichWithSearch,
  async *run(context) {
    yield* answerEnrichedTask(context, await enrichWithSearch(context))
  },
}
