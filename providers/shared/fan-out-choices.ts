import { mergeAsyncIterables } from '../../src/core/merge-async-iterables.js'
import type { ModelResult } from '../../src/core/model-result.js'
import { addUsage } from '../../src/core/usage.js'
import type { StreamEvent } from '../../src/core/stream-event.js'

/**
 * n > 1 for a vendor without it: n streams, one per choice, interleaved as they arrive. The first error ends
 * them all (the merged iteration's end closes every other source).
 * @example yield* streamChoicesInParallel(request.n ?? 1, (choice) => streamOne(request, choice))
 */
export async function* streamChoicesInParallel(count: number, streamChoice: (choice: number) => AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  if (count <= 1) {
    yield* streamChoice(0)
    return
  }
  const sources = Array.from({ length: count }, (_, choice) => streamChoice(choice))
  for await (const { value } of mergeAsyncIterables(sources)) {
    yield value
    if (value.type === 'error') return
  }
}

/**
 * n > 1 for a vendor without it, not streamed: n calls in parallel, their choices merged and their usage summed.
 * The first failure aborts the other calls (their signal is tied to the caller's).
 * @example return generateChoicesInParallel(request.n ?? 1, signal, (choice, signal) => generateOne(request, choice, signal))
 */
export async function generateChoicesInParallel(
  count: number,
  signal: AbortSignal,
  generateChoice: (choice: number, signal: AbortSignal) => Promise<ModelResult>,
): Promise<ModelResult> {
  if (count <= 1) return generateChoice(0, signal)
  const siblings = new AbortController()
  const shared = AbortSignal.any([signal, siblings.signal])
  let results: ModelResult[]
  try {
    results = await Promise.all(Array.from({ length: count }, (_, choice) => generateChoice(choice, shared)))
  } catch (error) {
    siblings.abort()
    throw error
  }
  const merged: ModelResult = { metadata: results[0]?.metadata ?? {}, choices: [] }
  for (const [choice, result] of results.entries()) {
    const answer = result.choices[choice]
    if (answer !== undefined) merged.choices[choice] = answer
    if (result.usage !== undefined) merged.usage = addUsage(merged.usage, result.usage)
  }
  return merged
}
