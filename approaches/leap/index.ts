import { z } from 'zod'
import { runFinalStep } from '../shared/final-step.js'
import { readQuestionText } from '../../src/core/task.js'
import { defineApproach } from '../shared/define-approach.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'

const optionsSchema = z.object({}).strict()

const extractPrompt = (text: string): string =>
  `Below is a request. If it contains worked examples (an input together with its expected output), copy them out as a ` +
  `JSON array of objects {"input": ..., "output": ...}. If it contains none, reply with [].\n\nRequest:\n${text}`
const attemptPrompt = (request: string, inputs: string[]): string =>
  `The worked examples of this request:\n${request}\n\nWithout looking at their expected outputs, solve each of these inputs, reasoning step by step, ` +
  `and label your answers with their numbers:\n${inputs.map((input, index) => `${index + 1}. ${input}`).join('\n')}`
const principlesPrompt = (request: string, examples: Example[], attempt: string): string =>
  `The request the examples come from:\n${request}\n\nYour attempts:\n${attempt}\n\nThe expected outputs:\n${examples.map((example, index) => `${index + 1}. ${example.output}`).join('\n')}\n\n` +
  'Where your attempts differ from the expected outputs, explain the mistake. Then state, as a short numbered list, ' +
  'the general principles that would avoid such mistakes on similar tasks.'
const applyPrinciples = (principles: string): string => `Keep these principles, learned from worked examples, in mind while answering:\n${principles}`

const exampleSchema = z.array(z.object({ input: z.unknown(), output: z.unknown() }))
interface Example {
  input: string
  output: string
}

/**
 * The examples in the extractor's reply; none when it is not a JSON array of {input, output}.
 * @example readExamples('[{"input":"3+3","output":"6"}]') // [{ input: '3+3', output: '6' }]
 */
export function readExamples(reply: string): Example[] {
  // from the first [ to the last ]: two scans, linear in the reply's length
  const start = reply.indexOf('[')
  const end = reply.lastIndexOf(']')
  if (start < 0 || end <= start) return []
  const json = reply.slice(start, end + 1)
  try {
    const parsed = exampleSchema.safeParse(JSON.parse(json))
    if (!parsed.success) return []
    return parsed.data.map((entry) => ({
      input: String(typeof entry.input === 'string' ? entry.input : JSON.stringify(entry.input)),
      output: String(typeof entry.output === 'string' ? entry.output : JSON.stringify(entry.output)),
    }))
  } catch {
    return []
  }
}

/**
 * `leap`, learning principles from few-shot mistakes: the request's worked examples are extracted; the model
 * attempts them, compares with the expected outputs and states principles; the final answer (streamed) is given
 * with those principles as a system message. Calls: 4 (2 when the request has no examples).
 */
export const leapApproach = defineApproach({
  id: 'leap',
  description: 'Learn principles from mistakes on the few-shot examples, then answer with them.',
  optionsSchema,
  async *run(context) {
    const { request, task } = context
    const question = readQuestionText(task)
    const examples = readExamples(
      readText(await context.generate(createStepRequest(request, [createUserMessage(extractPrompt(question))], { temperature: 0 }), { name: 'extraction' })),
    )
    context.trace(`[examples found] ${examples.length}\n`)
    if (examples.length === 0) {
      yield* runFinalStep(context, createFinalRequest(request, request.messages))
      return
    }
    const attempt = readText(
      await context.generate(
        createStepRequest(request, [
          createUserMessage(
            attemptPrompt(
              question,
              examples.map((example) => example.input),
            ),
          ),
        ]),
        { name: 'attempt' },
      ),
    )
    context.trace(`[attempts]\n${attempt}\n`)
    const principles = readText(
      await context.generate(createStepRequest(request, [createUserMessage(principlesPrompt(question, examples, attempt))]), { name: 'principles' }),
    )
    context.trace(`[principles]\n${principles}\n`)
    yield* runFinalStep(context, createFinalRequest(request, [{ role: 'system', content: applyPrinciples(principles) }, ...request.messages]))
  },
})
