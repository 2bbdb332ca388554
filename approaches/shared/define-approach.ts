import type { z } from 'zod'
import type { StreamEvent } from '../../src/core/stream-event.js'
import type { ApproachTask } from '../../src/core/task.js'
import type { Approach, ApproachContext } from '../../src/core/approach.js'

/** An approach's definition: its options type is inferred from `optionsSchema` (the schema's output), no casts. */
export interface ApproachDefinition<Options, Input> {
  readonly id: string
  readonly description: string
  readonly optionsSchema: z.ZodType<Options, Input>
  run(context: ApproachContext<Options>): AsyncIterable<StreamEvent>
  enrich?(context: ApproachContext<Options>): Promise<ApproachTask>
}

/**
 * Defines an approach whose options type is the schema's output, so `context.options` is typed without a cast at
 * the approach (a schema's input type, with its optional keys, differs from its output: the runtime only ever hands
 * the approach parsed options).
 * @example export const bonApproach = defineApproach({ id: 'bon', description: '...', optionsSchema: z.object({ n: z.int().default(3) }).strict(), async *run(context) { context.options.n } })
 */
export function defineApproach<Options, Input>(definition: ApproachDefinition<Options, Input>): Approach<Options> {
  return { ...definition, optionsSchema: definition.optionsSchema as unknown as z.ZodType<Options> }
}
