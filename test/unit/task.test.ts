import { describe, expect, it } from 'vitest'
import type { Message } from '../../src/core/message.js'
import { createTaskFromMessages, readQuestionText, renderTaskConversation } from '../../src/core/task.js'

const text = (value: string) => [{ type: 'text' as const, text: value }]

describe('the task an approach works on', () => {
  const conversation: Message[] = [
    { role: 'system', content: 'Be terse.' },
    { role: 'system', content: 'Answer in French.', developer: true },
    { role: 'user', content: text('Hello') },
    { role: 'assistant', content: text('Bonjour') },
    { role: 'system', content: 'Now be formal.' },
    { role: 'user', content: [...text('What is 2+2?'), { type: 'image', url: 'data:image/png;base64,AAAA' }, ...text('Explain.')] },
  ]

  it('splits a conversation into instructions, history and the question with all its parts', () => {
    const task = createTaskFromMessages(conversation)
    expect(task.instructions.map((message) => message.content)).toEqual(['Be terse.', 'Answer in French.'])
    expect(task.history).toHaveLength(3)
    expect(task.question.content).toHaveLength(3)
    expect(readQuestionText(task)).toBe('What is 2+2?\nExplain.')
    expect(task.followUp).toEqual([])
    expect(task.draft).toBeUndefined()
  })

  it('renders back to exactly the client conversation when nothing was added', () => {
    expect(renderTaskConversation(createTaskFromMessages(conversation))).toEqual(conversation)
    const trailing: Message[] = [...conversation, { role: 'assistant', content: text('Prefill') }]
    expect(renderTaskConversation(createTaskFromMessages(trailing))).toEqual(trailing)
    const noUser: Message[] = [{ role: 'system', content: 'Only a system message.' }]
    expect(renderTaskConversation(createTaskFromMessages(noUser))).toEqual(noUser)
  })

  it('puts plugin sources, numbered with their origin, in front of the question', () => {
    const task = { ...createTaskFromMessages(conversation), sources: [{ source: 'https://example.test/a', text: 'Alpha facts.' }] }
    const rendered = renderTaskConversation(task)
    const question = rendered.at(-1) as Extract<Message, { role: 'user' }>
    expect(question.content[0]).toEqual({ type: 'text', text: expect.stringContaining('[1] https://example.test/a\nAlpha facts.') })
    expect(question.content.slice(1)).toEqual(conversation.at(-1)?.content)
  })
})
