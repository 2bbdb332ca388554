/**
 * Interleaves several async iterables in arrival order, tagging each value with its source's position.
 * Ending the merged iteration early (break, return, throw) ends every source.
 *
 * Linear: each source has at most one `next()` in flight, and a settled one puts its result on a ready queue
 * that the consumer drains; no step looks at every source (a `Promise.race` over all pending pulls per value
 * costs sources x values).
 * @example for await (const { source, value } of mergeAsyncIterables([a, b])) ...
 */
export async function* mergeAsyncIterables<T>(sources: ReadonlyArray<AsyncIterable<T>>): AsyncGenerator<{ source: number; value: T }> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]())
  type Settled = { source: number; result: IteratorResult<T> } | { source: number; error: unknown }
  const ready: Settled[] = []
  let readIndex = 0
  let wake: (() => void) | undefined
  const active = new Set<number>()
  const pull = (source: number): void => {
    active.add(source)
    let pending: Promise<IteratorResult<T>>
    try {
      pending = (iterators[source] as AsyncIterator<T>).next()
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (result) => settle({ source, result }),
      (error: unknown) => settle({ source, error }),
    )
  }
  const settle = (settled: Settled): void => {
    ready.push(settled)
    const waiting = wake
    wake = undefined
    waiting?.()
  }
  for (let source = 0; source < iterators.length; source++) pull(source)
  try {
    while (active.size > 0) {
      if (readIndex === ready.length) {
        await new Promise<void>((resolve) => (wake = resolve))
        continue
      }
      const settled = ready[readIndex++] as Settled
      // the queue is compacted once it has been read half through, so it never holds more than twice what is unread
      if (readIndex > 1024 && readIndex * 2 > ready.length) {
        ready.splice(0, readIndex)
        readIndex = 0
      }
      if ('error' in settled) {
        active.delete(settled.source)
        throw settled.error
      }
      if (settled.result.done === true) {
        active.delete(settled.source)
        continue
      }
      pull(settled.source)
      yield { source: settled.source, value: settled.result.value }
    }
  } finally {
    // not awaited: a source's return() waits for its pending next(), which the request's abort signal ends
    for (const source of active) void iterators[source]?.return?.()?.catch(() => undefined)
  }
}
