import { z } from 'zod'
import { ProxyError } from '../../src/core/proxy-error.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { renderTaskConversation } from '../../src/core/task.js'
import { resolveInnerApproach } from '../shared/resolve-inner-approach.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'
import { carriesNonText, maskTask } from './mask-task.js'
import { loadNameTagger } from './detect-personal-data.js'
import { createPseudonymizer } from './pseudonymizer.js'

const optionsSchema = z
  .object({
    /** The approach that answers on the masked request (any slug but privacy and router). */
    approach: z.string().min(1).max(64).default('none'),
    /** Its options. */
    approach_options: z.record(z.string(), z.unknown()).default({}),
    /** Images, audio and files cannot be scanned: `refuse` (a 400) or `pass` (sent as they are). */
    non_text: z.enum(['refuse', 'pass']).default('refuse'),
  })
  .strict()
type PrivacyOptions = z.infer<typeof optionsSchema>

const keepPlaceholdersNote =
  'Some values in this conversation were replaced by placeholders such as [PERSON_1] or [EMAIL_2]. Use the ' +
  'placeholders exactly as written wherever you refer to those values; never guess what they stand for.'

/**
 * `privacy`: personal data (emails, phone numbers, Luhn-valid card numbers, mod-97-valid IBANs, IP addresses, US
 * SSNs and UK NI numbers, and person, organisation and place names tagged by compromise) is replaced by placeholders
 * in everything the request sends upstream, the inner approach (`approach`, default `none`) answers on the masked
 * request, and the placeholders are restored in the answer and the trace, streamed too (a placeholder split across
 * chunks is restored whole). Calls: those of the inner approach (1 for `none`).
 */
export const privacyApproach: Approach<PrivacyOptions> = {
  id: 'privacy',
  description: 'Replaces personal data by placeholders before anything leaves the proxy and restores it in the answer.',
  optionsSchema: optionsSchema as z.ZodType<PrivacyOptions>,
  // before another stage the restored answer would reach the next stage's upstream calls as a draft; after one, the
  // earlier stages would already have sent the personal data upstream
  runsAlone: true,
  async *run(context) {
    const inner = await resolveInnerApproach(context.options.approach, context.options.approach_options, ['privacy', 'router'])
    if (context.options.non_text === 'refuse' && renderTaskConversation(context.task).some(carriesNonText)) {
      throw new ProxyError(
        'The privacy plugin cannot scan images, audio or files for personal data; set optiproxy.privacy.non_text to "pass" to send them anyway.',
        {
          status: 400,
          type: 'invalid_request_error',
          param: 'optiproxy',
        },
      )
    }
    await loadNameTagger()
    const pseudonymizer = createPseudonymizer()
    const mask = (text: string): string => pseudonymizer.mask(text)
    const task = maskTask(context.task, mask)
    const note = { role: 'system' as const, content: keepPlaceholdersNote }
    const maskedTask = { ...task, instructions: [...task.instructions, note] }
    const innerContext: ApproachContext<unknown> = {
      ...context,
      options: inner.options,
      task: maskedTask,
      request: {
        ...context.request,
        messages: renderTaskConversation(maskedTask),
        ...(context.request.stop === undefined ? {} : { stop: context.request.stop.map(mask) }),
      },
      trace: (text) => context.trace(pseudonymizer.restore(text)),
      offerBest: (text) => context.offerBest(pseudonymizer.restore(text)),
    }
    const counts = pseudonymizer.counts()
    const summary = Object.entries(counts)
      .map(([kind, count]) => `${kind}: ${count}`)
      .join(', ')
    context.trace(`[privacy] replaced ${summary === '' ? 'nothing' : summary}; answering with ${inner.approach.id}\n`)
    context.record({ kind: 'note', text: `privacy replaced ${summary === '' ? 'nothing' : summary}` })
    yield* restoreEvents(inner.approach.run(innerContext), pseudonymizer)
  },
}

/** The inner approach's events with placeholders restored in text and reasoning, per choice, across chunk boundaries. */
async function* restoreEvents(events: AsyncIterable<StreamEvent>, pseudonymizer: ReturnType<typeof createPseudonymizer>): AsyncGenerator<StreamEvent> {
  const restorers = new Map<string, ReturnType<typeof pseudonymizer.createStreamRestorer>>()
  const restorerFor = (key: string): ReturnType<typeof pseudonymizer.createStreamRestorer> => {
    let restorer = restorers.get(key)
    if (restorer === undefined) {
      restorer = pseudonymizer.createStreamRestorer()
      restorers.set(key, restorer)
    }
    return restorer
  }
  for await (const event of events) {
    if (event.type === 'text-delta' || event.type === 'reasoning-delta') {
      const delta = restorerFor(`${event.type}:${event.choice}`).push(event.delta)
      if (delta !== '') yield { ...event, delta }
      continue
    }
    if (event.type === 'finish') {
      for (const type of ['reasoning-delta', 'text-delta'] as const) {
        const rest = restorers.get(`${type}:${event.choice}`)?.end() ?? ''
        if (rest !== '') yield { type, choice: event.choice, delta: rest }
      }
      // the upstream matched a masked stop sequence: the client sent (and gets back) the original
      if (event.stopSequence !== undefined) {
        yield { ...event, stopSequence: pseudonymizer.restore(event.stopSequence) }
        continue
      }
    }
    yield event
  }
}
