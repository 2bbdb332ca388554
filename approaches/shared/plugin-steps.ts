import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ApproachTask, TaskSource } from '../../src/core/task.js'
import type { ApproachContext } from '../../src/core/approach.js'
import { runFinalStep } from './final-step.js'
import { createFinalRequest } from './requests.js'
import { renderConversation } from './task-prompts.js'

/**
 * A plugin used alone (or last): enrich the task, then answer it in one final call, streamed when the client streams.
 * @example async *run(context) { yield* answerEnrichedTask(context, await enrich(context)) }
 */
export async function* answerEnrichedTask(context: ApproachContext<unknown>, task: ApproachTask): AsyncGenerator<StreamEvent> {
  yield* runFinalStep(context, createFinalRequest(context.request, renderConversation(task)))
}

/**
 * The task with more sources, keeping the ones it had.
 * @example addSources(context.task, [{ source: page.finalUrl, text: page.text }])
 */
export function addSources(task: ApproachTask, sources: readonly TaskSource[]): ApproachTask {
  return sources.length === 0 ? task : { ...task, sources: [...task.sources, ...sources] }
}

/**
 * The http(s) URLs in a text, in order, without duplicates and without trailing punctuation (linear time).
 * @example findUrls('See https://example.com/a. And http://x.org') // ['https://example.com/a', 'http://x.org']
 */
export function findUrls(text: string, limit: number): string[] {
  const found: string[] = []
  for (const match of text.matchAll(/https?:\/\/[^\s<>"'`]{1,2000}/gi)) {
    const url = trimUrl(match[0])
    if (!found.includes(url)) found.push(url)
    if (found.length >= limit) break
  }
  return found
}

/** Drops trailing punctuation, and a closing parenthesis the URL did not open (`(see https://x.org/a_(b))`), in one pass. */
function trimUrl(url: string): string {
  let open = 0
  let close = 0
  for (const character of url) {
    if (character === '(') open++
    else if (character === ')') close++
  }
  let end = url.length
  while (end > 0) {
    const last = url[end - 1] as string
    if ('.,;:!?]}'.includes(last)) end--
    else if (last === ')' && close > open) {
      close--
      end--
    } else break
  }
  return url.slice(0, end)
}
