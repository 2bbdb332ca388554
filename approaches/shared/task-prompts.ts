/**
 * Prompts built from the task, never dug out of messages: the question as text (with any plugin sources), and for a
 * pipeline stage after the first, the previous stage's answer shown as a draft and said to be one.
 */
import type { Message } from '../../src/core/message.js'
import { type ApproachTask, readQuestionText, renderSources, renderTaskConversation } from '../../src/core/task.js'

/** What a stage after the first is told about the draft it gets, after the draft. */
export const draftInstruction =
  'The text above, between the markers, is a draft answer to this question from an earlier pass. It may contain ' +
  'mistakes. Use it as a starting point: keep what is right, fix what is wrong, and give your own complete final answer to the question.'

/**
 * The draft as a block for a prompt: marked as a draft from an earlier pass; empty when there is none.
 * @example renderDraft({ ...task, draft: '42' }) // '\n\n--- draft answer from an earlier pass ---\n42\n--- end of draft ---\n...'
 */
export function renderDraft(task: ApproachTask): string {
  if (task.draft === undefined) return ''
  return `\n\n--- draft answer from an earlier pass ---\n${task.draft}\n--- end of draft ---\n${draftInstruction}`
}

/**
 * The problem as text for prompts that quote it ("Problem:\n..."): the plugin sources, the question's text, and the
 * draft when there is one.
 * @example `Problem:\n${renderProblem(context.task)}\n\nWrite a plan ...`
 */
export function renderProblem(task: ApproachTask): string {
  const sources = task.sources.length === 0 ? '' : renderSources(task.sources)
  return `${sources}${readQuestionText(task)}${renderDraft(task)}`
}

/**
 * The task's conversation with `extra` text parts added to the question turn (after its own parts, after the draft
 * when there is one): the conversation a stage's request carries, and what re-reading or answer-format approaches send.
 * @example createFinalRequest(context.request, renderConversation(context.task, 'Give your final answer on a last line "Answer: ..."'))
 */
export function renderConversation(task: ApproachTask, ...extra: string[]): Message[] {
  const draft = renderDraft(task)
  const added = [...(draft === '' ? [] : [draft]), ...extra].map((text) => ({ type: 'text' as const, text }))
  if (added.length === 0) return renderTaskConversation(task)
  return renderTaskConversation({ ...task, question: { ...task.question, content: [...task.question.content, ...added] } })
}
