import { describe, expect, it } from 'vitest'
import type { Provider } from '../../src/core/provider.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import { createRoutingGroup, type GroupTarget } from '../../src/routing/create-routing-group.js'

/** A provider that answers with its own name, or fails with `failure`; it can be held open to look busy. */
function createFakeProvider(id: string, calls: string[], failure?: ProxyError): Provider & { release(): void } {
  let release: () => void = () => undefined
  return {
    id,
    async generate(request) {
      calls.push(`${id}:${request.model}`)
      if (failure !== undefined) throw failure
      return { choices: [{ index: 0, content: [{ type: 'text', text: id }], finishReason: 'stop' }] } as never
    },
    async *stream(request) {
      calls.push(`${id}:${request.model}`)
      await new Promise<void>((resolve) => (release = resolve))
      yield { type: 'text-delta', choice: 0, delta: id }
      yield { type: 'finish', choice: 0, finishReason: 'stop' }
    },
    listModels: async () => undefined,
    release: () => release(),
  }
}

const options = () => ({ signal: new AbortController().signal })
const request = { model: 'alias', messages: [], extra: {} }
const targetOf = (provider: Provider, weight = 1): GroupTarget => ({ provider, providerId: provider.id, model: `${provider.id}-model`, weight })

describe('createRoutingGroup', () => {
  it('weighted: the draw picks the target by weight, the others follow as fallbacks', async () => {
    const calls: string[] = []
    const light = createFakeProvider('light', calls)
    const heavy = createFakeProvider('heavy', calls)
    const draws = [0.1, 0.5, 0.9]
    const group = createRoutingGroup({
      id: 'g',
      strategy: 'weighted',
      targets: [targetOf(light, 1), targetOf(heavy, 3)],
      failureThreshold: 3,
      cooldownMs: 1000,
      random: () => draws.shift() ?? 0,
    })
    for (let i = 0; i < 3; i++) await group.generate(request, options())
    // 0.1 * 4 = 0.4 falls in light's share [0, 1); 2.0 and 3.6 in heavy's [1, 4)
    expect(calls).toEqual(['light:light-model', 'heavy:heavy-model', 'heavy:heavy-model'])
  })

  it('weighted: a failing drawn target falls back to the other', async () => {
    const calls: string[] = []
    const failing = createFakeProvider('failing', calls, new ProxyError('overloaded', { status: 503, type: 'upstream_error', isRetryable: true }))
    const good = createFakeProvider('good', calls)
    const group = createRoutingGroup({
      id: 'g',
      strategy: 'weighted',
      targets: [targetOf(failing, 9), targetOf(good, 1)],
      failureThreshold: 3,
      cooldownMs: 1000,
      random: () => 0,
    })
    const seen: string[] = []
    await group.generate(request, { ...options(), observer: { targetChosen: (target) => seen.push(target) } })
    expect(calls).toEqual(['failing:failing-model', 'good:good-model'])
    expect(seen).toEqual(['good/good-model'])
  })

  it('least-busy: a new call goes to the target with the fewest calls in flight', async () => {
    const calls: string[] = []
    const a = createFakeProvider('a', calls)
    const b = createFakeProvider('b', calls)
    const group = createRoutingGroup({ id: 'g', strategy: 'least-busy', targets: [targetOf(a), targetOf(b)], failureThreshold: 3, cooldownMs: 1000 })
    const first = group.stream(request, options())[Symbol.asyncIterator]()
    const firstNext = first.next()
    await Promise.resolve()
    const second = group.stream(request, options())[Symbol.asyncIterator]()
    const secondNext = second.next()
    await Promise.resolve()
    expect(calls).toEqual(['a:a-model', 'b:b-model'])
    expect(group.states().map((state) => state.inFlight)).toEqual([1, 1])
    a.release()
    b.release()
    await Promise.all([firstNext, secondNext])
    await first.return?.(undefined)
    await second.return?.(undefined)
    expect(group.states().map((state) => state.inFlight)).toEqual([0, 0])
  })

  it('a cancelled call is not a reason to try another target', async () => {
    const calls: string[] = []
    const cancelled = createFakeProvider(
      'cancelled',
      calls,
      new ProxyError('The request was cancelled.', { status: 499, type: 'server_error', code: 'request_cancelled' }),
    )
    const other = createFakeProvider('other', calls)
    const group = createRoutingGroup({ id: 'g', strategy: 'fallback', targets: [targetOf(cancelled), targetOf(other)], failureThreshold: 1, cooldownMs: 1000 })
    await expect(group.generate(request, options())).rejects.toMatchObject({ status: 499 })
    expect(calls).toEqual(['cancelled:cancelled-model'])
    expect(group.states()[0]?.resting).toBe(false)
  })
})
