import type { StreamEvent } from '../core/stream-event.js'

/**
 * Runs an event source that may also push trace events from anywhere (concurrent tasks included) and yields
 * both in the order they happened: pushed events queued before a source event come out before it.
 * Ending the iteration early ends the source.
 * @example yield* interleaveTrace((push) => approach.run({ ...context, trace: (text) => push(reasoning(text)) }))
 */
export async function* interleaveTrace(start: (push: (event: StreamEvent) => void) => AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  const queue: StreamEvent[] = []
  let wake: (() => void) | undefined
  const push = (event: StreamEvent): void => {
    queue.push(event)
    wake?.()
  }
  const iterator = start(push)[Symbol.asyncIterator]()
  let next: Promise<IteratorResult<StreamEvent>> | undefined
  let finished = false
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as StreamEvent
      next ??= iterator.next()
      const queued = new Promise<'queued'>((resolve) => {
        wake = () => resolve('queued')
      })
      const outcome = await Promise.race([next, queued])
      wake = undefined
      if (outcome === 'queued') continue
      next = undefined
      while (queue.length > 0) yield queue.shift() as StreamEvent
      if (outcome.done === true) {
        finished = true
        return
      }
      yield outcome.value
    }
  } finally {
    if (!finished) {
      next?.catch(() => undefined)
      void iterator.return?.()?.catch(() => undefined)
    }
  }
}
