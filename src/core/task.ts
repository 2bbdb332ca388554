/**
 * The task an approach works on, as data: what the client asked, split into its parts, so that every prompt an
 * approach writes is built from these fields and never dug out of a message list. A pipeline stage after the
 * first gets the same task with the previous stage's answer as `draft`; a plugin stage may add `sources`.
 */
import type { Message, UserContentPart } from './message.js'

type SystemMessage = Extract<Message, { role: 'system' }>
type UserMessage = Extract<Message, { role: 'user' }>

/** Material a plugin brought in for the question (a fetched page, a search result, a selected chunk). */
export interface TaskSource {
  /** Where it came from: a URL, `memory:chunk-3`, `search:1`, ... */
  readonly source: string
  readonly title?: string
  readonly text: string
}

export interface ApproachTask {
  /** The system and developer messages that open the conversation, in order. */
  readonly instructions: readonly SystemMessage[]
  /** The conversation between the instructions and the question (earlier turns, including later system messages). */
  readonly history: readonly Message[]
  /** The question: the conversation's last user turn, all of its parts (text, images, files). */
  readonly question: UserMessage
  /** Messages after the question (an assistant prefill, tool results): rare, kept so nothing is lost. */
  readonly followUp: readonly Message[]
  /** The previous pipeline stage's answer, for a stage after the first. */
  readonly draft?: string
  /** Material added by plugin stages, in the order it was added. */
  readonly sources: readonly TaskSource[]
}

/**
 * Splits a conversation into its task. A conversation without a user turn has an empty question.
 * @example createTaskFromMessages(request.messages).question // the last user message
 */
export function createTaskFromMessages(messages: readonly Message[]): ApproachTask {
  let leading = 0
  while (leading < messages.length && (messages[leading] as Message).role === 'system') leading++
  const questionIndex = messages.findLastIndex((message) => message.role === 'user')
  if (questionIndex < leading) {
    return {
      instructions: messages.slice(0, leading) as SystemMessage[],
      history: messages.slice(leading),
      question: { role: 'user', content: [] },
      followUp: [],
      sources: [],
    }
  }
  return {
    instructions: messages.slice(0, leading) as SystemMessage[],
    history: messages.slice(leading, questionIndex),
    question: messages[questionIndex] as UserMessage,
    followUp: messages.slice(questionIndex + 1),
    sources: [],
  }
}

/**
 * The question's text parts joined by newlines (images and files left out).
 * @example readQuestionText(task) // 'How many r are in strawberry?'
 */
export function readQuestionText(task: ApproachTask): string {
  return task.question.content
    .map((part: UserContentPart) => (part.type === 'text' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n')
}

/**
 * The task's own conversation, with no draft: instructions, history, the question (with the plugin sources in
 * front of it, numbered) and the follow-up. Without sources it is exactly the client's conversation.
 * @example createStepRequest(context.request, renderTaskConversation(context.task))
 */
export function renderTaskConversation(task: ApproachTask): Message[] {
  const question: UserMessage =
    task.sources.length === 0 ? task.question : { ...task.question, content: [{ type: 'text', text: renderSources(task.sources) }, ...task.question.content] }
  const hasQuestion = task.question.content.length > 0 || task.sources.length > 0
  return [...task.instructions, ...task.history, ...(hasQuestion ? [question] : []), ...task.followUp]
}

/**
 * The sources as one numbered block, each with its origin, for the model to cite as [n].
 * @example renderSources([{ source: 'https://example.com', text: '...' }]) // 'Sources:\n\n[1] https://example.com\n...'
 */
export function renderSources(sources: readonly TaskSource[]): string {
  const blocks = sources.map((entry, index) => `[${index + 1}] ${entry.title === undefined ? entry.source : `${entry.title} (${entry.source})`}\n${entry.text}`)
  return `Sources (numbered; cite them as [n] where you use them):\n\n${blocks.join('\n\n')}\n\n---\n`
}
