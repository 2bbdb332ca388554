/**
 * Interleaves several async iterables in arrival order, tagging each value with its source's position.
 * Ending the merged iteration early (break, return, throw) ends every source.
 * @example for await (const { source, value } of mergeAsyncIterables([a, b])) ...
 */
export async function* mergeAsyncIterables<T>(sources: ReadonlyArray<AsyncIterable<T>>): AsyncGenerator<{ source: number; value: T }> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]())
  const pending = new Map<number, Promise<{ source: number; result: IteratorResult<T> }>>()
  const pull = (source: number): void => {
    pending.set(source, (iterators[source] as AsyncIterator<T>).next().then((result) => ({ source, result })))
  }
  iterators.forEach((_, source) => pull(source))
  try {
    while (pending.size > 0) {
      const { source, result } = await Promise.race(pending.values())
      if (result.done === true) {
        pending.delete(source)
        continue
      }
      pull(source)
      yield { source, value: result.value }
    }
  } finally {
    // not awaited: a source's return() waits for its pending next(), which the request's abort signal ends
    for (const source of pending.keys()) void iterators[source]?.return?.()?.catch(() => undefined)
  }
}
