import { describe, expect, it } from 'vitest'
import { createConcurrencyMiddleware } from '../../providers/middleware/concurrency-middleware.js'
import type { ProviderCall, ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import { createTimeoutsMiddleware } from '../../providers/middleware/timeouts-middleware.js'
import { wrapProvider } from '../../providers/middleware/wrap-provider.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../providers/types.js'
import type { ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'
import { createSemaphore } from '../../src/core/semaphore.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { createProviderDefaultsMiddleware } from '../../src/routing/apply-provider-defaults.js'

const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], extra: {} }
const answer = (text: string): ModelResult => ({ choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text }] }, finishReason: 'stop' }] }) as unknown as ModelResult

/** A provider that records what reaches it. */
function createRecordingProvider(log: string[], seen: ProviderCall[]): Provider {
  return {
    id: 'base',
    async generate(received, options) {
      log.push('provider.generate')
      seen.push({ request: received, options })
      return answer('ok')
    },
    async *stream(received, options): AsyncGenerator<StreamEvent> {
      log.push('provider.stream')
      seen.push({ request: received, options })
      yield { type: 'text-delta', choice: 0, delta: 'o' }
      yield { type: 'text-delta', choice: 0, delta: 'k' }
    },
    async listModels(): Promise<ModelInfo[] | undefined> {
      log.push('provider.listModels')
      return [{ id: 'm' }]
    },
  }
}

/** A middleware that logs each hook and tags the request's extra bag with its name, so the next one can see it. */
function createTracingMiddleware(name: string, log: string[]): ProviderMiddleware {
  return {
    name,
    transformRequest(call, kind) {
      log.push(`${name}.transform(${kind}) sees [${String(call.request.extra?.path ?? '')}]`)
      return { ...call, request: { ...call.request, extra: { ...call.request.extra, path: `${String(call.request.extra?.path ?? '')}${name}` } } }
    },
    async wrapGenerate({ doGenerate, call }) {
      log.push(`${name}.before sees [${String(call.request.extra?.path)}]`)
      const result = await doGenerate()
      log.push(`${name}.after`)
      return result
    },
    async *wrapStream({ doStream }) {
      log.push(`${name}.stream.before`)
      for await (const event of doStream()) yield event.type === 'text-delta' ? { ...event, delta: `${event.delta}${name}` } : event
      log.push(`${name}.stream.after`)
    },
  }
}

describe('the provider middleware chain', () => {
  it('the first middleware is the outermost: transforms in order, wraps around the rest, sees what the earlier ones did', async () => {
    const log: string[] = []
    const seen: ProviderCall[] = []
    const provider = wrapProvider(createRecordingProvider(log, seen), [createTracingMiddleware('a', log), createTracingMiddleware('b', log), createTracingMiddleware('c', log)])
    expect(provider.id).toBe('base')
    await provider.generate(request, { signal: new AbortController().signal })
    expect(log).toEqual([
      'a.transform(generate) sees []',
      'a.before sees [a]',
      'b.transform(generate) sees [a]',
      'b.before sees [ab]',
      'c.transform(generate) sees [ab]',
      'c.before sees [abc]',
      'provider.generate',
      'c.after',
      'b.after',
      'a.after',
    ])
    expect(seen[0]?.request.extra).toEqual({ path: 'abc' })

    log.length = 0
    const deltas: string[] = []
    for await (const event of provider.stream(request, { signal: new AbortController().signal })) if (event.type === 'text-delta') deltas.push(event.delta)
    // the innermost middleware touches each event first on the way out
    expect(deltas).toEqual(['ocba', 'kcba'])
    expect(log.filter((line) => !line.includes('transform'))).toEqual(['a.stream.before', 'b.stream.before', 'c.stream.before', 'provider.stream', 'c.stream.after', 'b.stream.after', 'a.stream.after'])
  })

  it('a middleware can call the rest of the chain with a call of its own (a deadline signal); an empty list is the provider itself', async () => {
    const log: string[] = []
    const seen: ProviderCall[] = []
    const base = createRecordingProvider(log, seen)
    expect(wrapProvider(base, [])).toBe(base)
    const own = new AbortController()
    const replacing: ProviderMiddleware = { name: 'replace', wrapGenerate: ({ doGenerate, call }) => doGenerate({ ...call, options: { ...call.options, signal: own.signal, apiKey: 'k' } }) }
    await wrapProvider(base, [replacing]).generate(request, { signal: new AbortController().signal })
    expect(seen[0]?.options.signal).toBe(own.signal)
    expect(seen[0]?.options.apiKey).toBe('k')
  })

  it('the production entries compose: defaults fill the request, the timeouts cut a slow call, the concurrency bound queues and refuses', async () => {
    const log: string[] = []
    const seen: ProviderCall[] = []
    const slow: Provider = {
      ...createRecordingProvider(log, seen),
      async generate(received, options: ProviderCallOptions) {
        seen.push({ request: received, options })
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 1000)
          options.signal.addEventListener('abort', () => {
            clearTimeout(timer)
            reject(options.signal.reason)
          })
        })
        return answer('late')
      },
    }
    const concurrency = createConcurrencyMiddleware('slow', { maxConcurrent: 1, maxQueued: 1, retryAfterSeconds: 1 })
    const defaults = createProviderDefaultsMiddleware({ temperature: 0.3 }, ['only-this'])
    const provider = wrapProvider(slow, [concurrency, createTimeoutsMiddleware({ totalMs: 2000 }), defaults as ProviderMiddleware])
    const signal = new AbortController().signal
    // the request's own deadline (50 ms) tightens the configured one (2 s)
    const first = provider.generate(request, { signal, requestTimeouts: { totalMs: 50 } })
    const second = provider.generate(request, { signal, requestTimeouts: { totalMs: 50 } })
    await expect(provider.generate(request, { signal })).rejects.toMatchObject({ status: 429, code: 'upstream_concurrency_limit' })
    expect(concurrency.load).toEqual({ running: 1, queued: 1 })
    await expect(first).rejects.toMatchObject({ status: 504, code: 'upstream_total_timeout' })
    await expect(second).rejects.toMatchObject({ status: 504 })
    expect(concurrency.load).toEqual({ running: 0, queued: 0 })
    expect(seen.map((call) => call.request.temperature)).toEqual([0.3, 0.3])
    expect(seen[0]?.options.firstByteTimeoutMs).toBe(50)
    expect(await provider.listModels({ signal })).toEqual([{ id: 'only-this' }])
  })
})

describe('the one semaphore (fan-out and provider concurrency)', () => {
  it('hands slots over in arrival order, bounds its queue, and lets an aborted waiter leave', async () => {
    const semaphore = createSemaphore({ limit: 1, maxQueued: 2, createFullError: () => new Error('full') })
    const order: string[] = []
    const release = await semaphore.acquire(new AbortController().signal)
    const leaving = new AbortController()
    const first = semaphore.acquire(new AbortController().signal).then((done) => {
      order.push('first')
      return done
    })
    const aborted = semaphore.acquire(leaving.signal)
    await expect(semaphore.acquire(new AbortController().signal)).rejects.toThrow('full')
    leaving.abort(new Error('left'))
    await expect(aborted).rejects.toThrow('left')
    expect(semaphore.queued).toBe(1)
    release()
    release()
    const next = await first
    expect(order).toEqual(['first'])
    expect(semaphore.running).toBe(1)
    next()
    expect(semaphore.running).toBe(0)
    await expect(semaphore.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone')
  })
})
