import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ApproachContext } from '../types.js'
import { voteOnAnswers } from './answers.js'
import { emitAnswer } from './final-step.js'
import { createStepRequest, readText, settleAll } from './requests.js'
import type { Message } from '../../src/core/message.js'

/**
 * Samples `samples` answers concurrently, votes on their extracted final answers, and yields the first sample
 * that gave the winning answer. Shared by `self_consistency` and `majority_voting`.
 * @example return sampleAndVote(context, context.request.messages, 5, 1)
 */
export async function* sampleAndVote(context: ApproachContext<unknown>, messages: Message[], samples: number, temperature: number): AsyncGenerator<StreamEvent> {
  const texts: string[] = []
  const results = await settleAll(
    Array.from({ length: samples }, async (_, index) => {
      const text = readText(await context.generate(createStepRequest(context.request, messages, { temperature })))
      texts.push(text)
      // the vote among the samples so far is the best answer so far
      const partial = voteOnAnswers(texts)
      context.offerBest(texts[partial.sampleIndex] as string)
      context.trace(`[sample ${index + 1}]\n${text}\n`)
      return text
    }),
  )
  const outcome = voteOnAnswers(results)
  context.trace(`[vote] ${outcome.tally.map(([answer, votes]) => `${answer}: ${votes}`).join(', ') || 'no answers found'}\n`)
  yield* emitAnswer(results[outcome.sampleIndex] as string)
}
