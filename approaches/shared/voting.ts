import type { Message } from '../../src/core/message.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ApproachContext } from '../../src/core/approach.js'
import { voteOnAnswers } from './answers.js'
import { emitAnswer } from './final-step.js'
import { createStepRequest, readText, settleAll } from './requests.js'

/**
 * Samples `samples` answers concurrently (labelled `{ name: 'sample', index }`), votes on their final answers
 * (grouped by meaning), records the tally and yields the first sample that gave the winning answer. Shared by
 * `self_consistency` and `majority_voting`.
 * @example return sampleAndVote(context, context.request.messages, 5, 1)
 */
export async function* sampleAndVote(
  context: ApproachContext<unknown>,
  messages: Message[],
  samples: number,
  temperature: number,
): AsyncGenerator<StreamEvent> {
  const texts: string[] = []
  const results = await settleAll(
    Array.from({ length: samples }, async (_, index) => {
      const text = readText(await context.generate(createStepRequest(context.request, messages, { temperature }), { name: 'sample', index }))
      texts.push(text)
      // the vote among the samples so far is the best answer so far
      const partial = voteOnAnswers(texts)
      context.offerBest(texts[partial.sampleIndex] as string)
      context.trace(`[sample ${index + 1}]\n${text}\n`)
      return text
    }),
  )
  const outcome = voteOnAnswers(results)
  context.record({ kind: 'vote', tally: outcome.tally, winner: outcome.answer })
  context.record({
    kind: 'winner',
    candidate: outcome.sampleIndex,
    reason: outcome.answer === undefined ? 'no sample had an answer: the first' : `most votes for ${outcome.answer}`,
  })
  context.trace(`[vote] ${outcome.tally.map(([answer, votes]) => `${answer}: ${votes}`).join(', ') || 'no answers found'}\n`)
  yield* emitAnswer(results[outcome.sampleIndex] as string)
}
