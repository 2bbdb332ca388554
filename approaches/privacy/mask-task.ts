import type { Message } from '../../src/core/message.js'
import type { ApproachTask } from '../../src/core/task.js'

/**
 * A message with `transform` applied to every text it carries (system text, text parts, reasoning, refusals,
 * tool-call arguments, tool results).
 * @example mapMessageText(message, (text) => text.toUpperCase())
 */
export function mapMessageText<M extends Message>(message: M, transform: (text: string) => string): M {
  switch (message.role) {
    case 'system':
      return { ...message, content: transform(message.content) }
    case 'user':
      return { ...message, content: message.content.map((part) => (part.type === 'text' ? { ...part, text: transform(part.text) } : part)) }
    case 'assistant':
      return {
        ...message,
        content: message.content.map((part) =>
          part.type === 'tool-call' ? { ...part, arguments: transform(part.arguments) } : { ...part, text: transform(part.text) },
        ),
      }
    case 'tool':
      return {
        ...message,
        content: message.content.map((part) => ({ ...part, content: part.content.map((text) => ({ ...text, text: transform(text.text) })) })),
      }
  }
}

/**
 * True when a message carries content that cannot be scanned for personal data (images, audio, files).
 * @example carriesNonText({ role: 'user', content: [{ type: 'image', url: '...' }] }) // true
 */
export function carriesNonText(message: Message): boolean {
  return message.role === 'user' && message.content.some((part) => part.type !== 'text')
}

/**
 * The task with `transform` applied to every text in it: instructions, history, question, follow-up, draft, sources.
 * @example maskTask(context.task, pseudonymizer.mask)
 */
export function maskTask(task: ApproachTask, transform: (text: string) => string): ApproachTask {
  return {
    instructions: task.instructions.map((message) => mapMessageText(message, transform)),
    history: task.history.map((message) => mapMessageText(message, transform)),
    question: mapMessageText(task.question, transform),
    followUp: task.followUp.map((message) => mapMessageText(message, transform)),
    ...(task.draft === undefined ? {} : { draft: transform(task.draft) }),
    sources: task.sources.map((source) => ({
      ...source,
      text: transform(source.text),
      ...(source.title === undefined ? {} : { title: transform(source.title) }),
    })),
  }
}
