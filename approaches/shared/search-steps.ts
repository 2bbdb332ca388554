import { readWebFailureReason, type SearchHit } from '../../src/core/services/web.js'
import type { ApproachContext } from '../../src/core/approach.js'
import { createStepRequest, createUserMessage, readText } from './requests.js'

const queriesPrompt = (question: string, count: number, known: string): string =>
  `${known === '' ? '' : `What is known so far:\n${known}\n\n`}Question: ${question}\n\n` +
  `Write up to ${count} web search queries that would find what is needed to answer the question${known === '' ? '' : ' and is not known yet'}. ` +
  'One query per line, no numbering, no other text. If nothing more needs searching, answer NONE.'

/**
 * Search queries for a question, written by the model (one call, labelled `plan`); the question itself when the
 * model gives none. Bounded: at most `count` queries of at most 200 characters.
 * @example const queries = await writeSearchQueries(context, question, 2, '')
 */
export async function writeSearchQueries(context: ApproachContext<unknown>, question: string, count: number, known: string, index?: number): Promise<string[]> {
  const reply = readText(
    await context.generate(createStepRequest(context.request, [createUserMessage(queriesPrompt(question, count, known))]), {
      name: 'plan',
      ...(index === undefined ? {} : { index }),
    }),
  )
  if (/^\s*none\.?\s*$/i.test(reply)) return []
  const queries = reply
    .split('\n')
    .map((line) =>
      line
        .replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '')
        .replace(/^["']|["']$/g, '')
        .trim(),
    )
    .filter((line) => line !== '' && line.length <= 200)
  const unique = [...new Set(queries)].slice(0, count)
  return unique.length > 0 || known !== '' ? unique : [question.slice(0, 200)]
}

/**
 * Runs the queries on the configured backend; a failed or empty search is a trace note, never an error.
 * @example const hits = await runSearches(context, ['capital of France'], 5)
 */
export async function runSearches(context: ApproachContext<unknown>, queries: readonly string[], limit: number): Promise<SearchHit[]> {
  const web = context.web
  if (web === undefined) {
    context.trace('[search] web search is not available in this proxy\n')
    return []
  }
  const settled = await Promise.allSettled(queries.map((query) => web.search(query, context.signal, limit)))
  const hits: SearchHit[] = []
  const seen = new Set<string>()
  settled.forEach((outcome, index) => {
    const query = queries[index] as string
    if (outcome.status === 'rejected') {
      if (context.signal.aborted) throw outcome.reason
      context.trace(
        `[search] "${query}": failed (${readWebFailureReason(outcome.reason)}): ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}\n`,
      )
      return
    }
    context.trace(`[search] "${query}": ${outcome.value.length} results\n`)
    for (const hit of outcome.value) {
      if (seen.has(hit.url)) continue
      seen.add(hit.url)
      hits.push(hit)
    }
  })
  return hits
}
