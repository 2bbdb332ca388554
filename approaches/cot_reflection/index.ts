import { z } from 'zod'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { createFinalRequest } from '../shared/requests.js'
import { streamEventsFromResult } from '../../src/core/model-result.js'
import { defineApproach } from '../shared/define-approach.js'
import { createOutputSplitter } from './split-output-section.js'

const optionsSchema = z.object({}).strict()

const systemPrompt =
  'Work in three tagged sections. In <thinking></thinking>, reason through the request step by step. ' +
  'In <reflection></reflection>, check that reasoning for mistakes and gaps and correct them. ' +
  'In <output></output>, give the final answer for the user, complete on its own: it is the only part the user sees.'

/**
 * `cot_reflection`: one call that thinks, reflects and answers in tagged sections; the client gets the
 * `<output>` section as the answer (streamed as it arrives) and the thinking and reflection as the trace.
 * A reply without an `<output>` section is returned whole. Calls: 1.
 */
export const cotReflectionApproach = defineApproach({
  id: 'cot_reflection',
  description: 'Chain of thought with reflection: think, reflect, and return only the output section.',
  optionsSchema,
  async *run(context) {
    const { request } = context
    const step = { name: 'answer' }
    const call = createFinalRequest(request, [{ role: 'system', content: systemPrompt }, ...request.messages])
    const events: AsyncIterable<StreamEvent> | Iterable<StreamEvent> = context.streaming
      ? context.stream(call, step)
      : streamEventsFromResult(await context.generate(call, step))
    const splitter = createOutputSplitter()
    let whole = ''
    let finish: StreamEvent | undefined
    for await (const event of events) {
      if (event.type === 'finish') {
        if (event.choice === 0) finish = event
        continue
      }
      if (event.type !== 'text-delta') {
        if (!('choice' in event) || event.choice === 0) yield event
        continue
      }
      if (event.choice !== 0) continue
      whole += event.delta
      const part = splitter.push(event.delta)
      if (part.thinking !== '') context.trace(part.thinking)
      if (part.output !== '') yield { type: 'text-delta', choice: 0, delta: part.output }
    }
    const rest = splitter.end()
    if (!splitter.sawOutput) yield { type: 'text-delta', choice: 0, delta: whole }
    else if (rest.output !== '') yield { type: 'text-delta', choice: 0, delta: rest.output }
    if (finish !== undefined) yield finish
  },
})
