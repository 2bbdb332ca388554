import { z } from 'zod'
import { readWebFailureReason, type FetchedPage } from '../../src/core/services/web.js'
import type { ApproachTask, TaskSource } from '../../src/core/task.js'
import type { Message } from '../../src/core/message.js'
import { addSources, answerEnrichedTask, findUrls } from '../shared/plugin-steps.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

const optionsSchema = z
  .object({
    /** Most URLs fetched per request (the question's first, then earlier user turns', newest first). */
    max_urls: z.int().min(1).max(20).default(5),
    /** Longest text kept per page. */
    max_chars_per_page: z.int().min(500).max(200_000).default(50_000),
  })
  .strict()
type ReadUrlsOptions = z.infer<typeof optionsSchema>

/**
 * Fetches the URLs in the user's messages through the guarded fetch layer and adds their readable text to the task,
 * each with its URL. A URL that is refused, unreachable or not text is noted in the trace and left out.
 * @example await enrichWithUrls(context) // task.sources: [{ source: 'https://example.com/post', title, text }]
 */
async function enrichWithUrls(context: ApproachContext<ReadUrlsOptions>): Promise<ApproachTask> {
  const { task, options } = context
  const userMessages = [task.question, ...task.history.filter((message) => message.role === 'user').reverse()]
  const text = userMessages
    .map((message: Message) => (message.role === 'user' ? message.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n') : ''))
    .join('\n')
  const urls = findUrls(text, options.max_urls)
  if (urls.length === 0) {
    context.trace('[readurls] no URL in the user messages\n')
    return task
  }
  const web = context.web
  if (web === undefined) {
    context.trace('[readurls] fetching is not available in this proxy; answering without the pages\n')
    return task
  }
  const settled = await Promise.allSettled(urls.map((url) => web.fetchPage(url, context.signal)))
  const sources: TaskSource[] = []
  settled.forEach((outcome, index) => {
    const url = urls[index] as string
    if (outcome.status === 'rejected') {
      if (context.signal.aborted) throw outcome.reason
      const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      context.trace(`[readurls] ${url}: not read (${readWebFailureReason(outcome.reason)}): ${message}\n`)
      context.record({ kind: 'note', text: `readurls skipped ${url}: ${readWebFailureReason(outcome.reason)}` })
      return
    }
    sources.push(toSource(outcome.value, options.max_chars_per_page))
    context.trace(
      `[readurls] ${url}: read ${outcome.value.text.length} characters${outcome.value.truncated ? ' (cut at the size cap)' : ''}${outcome.value.finalUrl === url ? '' : ` from ${outcome.value.finalUrl}`}\n`,
    )
  })
  return addSources(task, sources)
}

function toSource(page: FetchedPage, maxChars: number): TaskSource {
  const text = page.text.length > maxChars ? `${page.text.slice(0, maxChars)}\n[page cut at ${maxChars} characters]` : page.text
  return { source: page.finalUrl, ...(page.title === undefined ? {} : { title: page.title }), text }
}

/** `readurls`: the pages the user linked to, read and put in front of the question. Costs no model call of its own. */
export const readUrlsApproach: Approach<ReadUrlsOptions> = {
  id: 'readurls',
  description: "Plugin: fetches the URLs in the user's messages (SSRF-guarded, capped) and adds their readable text with its source.",
  optionsSchema: optionsSchema as z.ZodType<ReadUrlsOptions>,
  enrich: enrichWithUrls,
  async *run(context) {
    yield* answerEnrichedTask(context, await enrichWithUrls(context))
  },
}
