import { describe, expect, it } from 'vitest'
import { createConcurrencyMiddleware } from '../../providers/middleware/concurrency-middleware.js'
import type { ProviderCall, ProviderMiddleware } from '../../providers/middleware/provider-middleware.js'
import { createTimeoutsMiddleware } from '../../providers/middleware/timeouts-middleware.js'
import { wrapProvider } from '../../providers/middleware/wrap-provider.js'
import type { ModelInfo, Provider, ProviderCallOptions } from '../../src/core/provider.js'
import type { ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'
import { createSemaphore } from '../../src/core/semaphore.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { createProviderDefaultsMiddleware } from '../../src/routing/apply-provider-defaults.js'
import { createProviderMiddlewares } from '../../src/routing/create-providers.js'
import { configSchema } from '../../src/config.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import { createProxyMetrics } from '../../src/observability/metrics.js'
import { createProviderHealth } from '../../src/operations/provider-health.js'
import { createOperationsMiddlewares } from '../../src/operations/operations-middlewares.js'
import { readProviderOperationSettings } from '../../src/operations/create-operational-router.js'
import type { UpstreamCallReport } from '../../src/core/provider.js'

const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], extra: {} }
const answer = (text: string): ModelResult =>
  ({ choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text }] }, finishReason: 'stop' }] }) as unknown as ModelResult

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
    const provider = wrapProvider(createRecordingProvider(log, seen), [
      createTracingMiddleware('a', log),
      createTracingMiddleware('b', log),
      createTracingMiddleware('c', log),
    ])
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
    expect(log.filter((line) => !line.includes('transform'))).toEqual([
      'a.stream.before',
      'b.stream.before',
      'c.stream.before',
      'provider.stream',
      'c.stream.after',
      'b.stream.after',
      'a.stream.after',
    ])
  })

  it('a middleware can call the rest of the chain with a call of its own (a deadline signal); an empty list is the provider itself', async () => {
    const log: string[] = []
    const seen: ProviderCall[] = []
    const base = createRecordingProvider(log, seen)
    expect(wrapProvider(base, [])).toBe(base)
    const own = new AbortController()
    const replacing: ProviderMiddleware = {
      name: 'replace',
      wrapGenerate: ({ doGenerate, call }) => doGenerate({ ...call, options: { ...call.options, signal: own.signal, apiKey: 'k' } }),
    }
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

/** A retryable upstream failure that asks for no wait (Retry-After: 0). */
const overloaded = (): ProxyError =>
  new ProxyError('overloaded', { status: 503, type: 'upstream_error', isRetryable: true, retryAfter: '0', retryAfterSeconds: 0 })

/** What a probe between two entries saw of one call. */
interface Sighting {
  after: string
  kind: 'generate' | 'stream'
  temperature: number | undefined
  firstByteTimeoutMs: number | undefined
  outcome: string
}

/** A middleware that changes nothing and notes each call the entry named `after` passes on (it is placed right after it). */
function createProbe(after: string, sightings: Sighting[]): ProviderMiddleware {
  const note = (kind: Sighting['kind'], call: ProviderCall, outcome: string): void => {
    sightings.push({ after, kind, temperature: call.request.temperature, firstByteTimeoutMs: call.options.firstByteTimeoutMs, outcome })
  }
  return {
    name: `probe after ${after}`,
    async wrapGenerate({ doGenerate, call }) {
      try {
        const result = await doGenerate()
        note('generate', call, 'ok')
        return result
      } catch (error) {
        note('generate', call, `threw ${(error as ProxyError).status}`)
        throw error
      }
    },
    async *wrapStream({ doStream, call }) {
      const types: string[] = []
      try {
        for await (const event of doStream()) {
          types.push(event.type === 'error' ? `error ${event.error.status}` : event.type)
          yield event
        }
      } finally {
        // also when the reader stops early (the retry entry closes a failed attempt's stream)
        note('stream', call, types.join(','))
      }
    },
  }
}

/** The production list of one provider with a probe after each entry (and one outside them all). */
function composeWithProbes(base: Provider, sightings: Sighting[], observed: { reports: UpstreamCallReport[] }) {
  const config = configSchema.parse({
    host: '127.0.0.1',
    port: 0,
    firstByteTimeoutMs: 4000,
    totalTimeoutMs: 8000,
    maxConcurrentUpstream: 2,
    upstreamMaxRetries: 2,
  })
  const instrumentation = { metrics: createProxyMetrics({ processMetrics: false }), health: createProviderHealth(3) }
  const concurrency: { load?: { running: number; queued: number } } = {}
  const entries = createProviderMiddlewares('base', { type: 'openai-compatible', params: { temperature: 0.3 } }, config, {
    createMiddlewares: (id) => createOperationsMiddlewares(id, readProviderOperationSettings(config, id), instrumentation),
  })
  for (const entry of entries) if (entry.name === 'concurrency') concurrency.load = (entry as unknown as { load: { running: number; queued: number } }).load
  const probed = [createProbe('caller', sightings), ...entries.flatMap((entry) => [entry, createProbe(entry.name, sightings)])]
  const provider = wrapProvider(base, probed)
  const options = (retries: Array<[number, number]>): ProviderCallOptions => ({
    signal: new AbortController().signal,
    observer: { callEnded: (report) => observed.reports.push(report) },
    attempts: { retrying: (failure, retry) => retries.push([failure.status, retry]) },
  })
  return { entries, provider, options, concurrency }
}

describe('the production middleware list (issue 17: retries are an entry)', () => {
  it('composes instrumentation, concurrency, timeouts, retry, defaults in that order; each entry sees what the earlier ones did', async () => {
    const sightings: Sighting[] = []
    const observed = { reports: [] as UpstreamCallReport[] }
    let generateCalls = 0
    let streamCalls = 0
    const base: Provider = {
      id: 'base',
      async generate() {
        if (++generateCalls === 1) throw overloaded()
        return answer('ok')
      },
      async *stream(): AsyncGenerator<StreamEvent> {
        if (++streamCalls === 1) {
          yield { type: 'error', error: overloaded() }
          return
        }
        yield { type: 'text-delta', choice: 0, delta: 'ok' }
        yield { type: 'finish', choice: 0, finishReason: 'stop' }
      },
      listModels: async () => undefined,
    }
    const { entries, provider, options } = composeWithProbes(base, sightings, observed)
    expect(entries.map((entry) => entry.name)).toEqual(['instrumentation', 'concurrency', 'timeouts', 'retry', 'defaults'])

    const retries: Array<[number, number]> = []
    await provider.generate(request, options(retries))
    // the retry entry repeats the failed attempt: the entries inside it see two calls, the ones outside one call
    expect(sightings).toEqual([
      { after: 'defaults', kind: 'generate', temperature: 0.3, firstByteTimeoutMs: 4000, outcome: 'threw 503' },
      { after: 'retry', kind: 'generate', temperature: undefined, firstByteTimeoutMs: 4000, outcome: 'threw 503' },
      { after: 'defaults', kind: 'generate', temperature: 0.3, firstByteTimeoutMs: 4000, outcome: 'ok' },
      { after: 'retry', kind: 'generate', temperature: undefined, firstByteTimeoutMs: 4000, outcome: 'ok' },
      { after: 'timeouts', kind: 'generate', temperature: undefined, firstByteTimeoutMs: 4000, outcome: 'ok' },
      { after: 'concurrency', kind: 'generate', temperature: undefined, firstByteTimeoutMs: undefined, outcome: 'ok' },
      { after: 'instrumentation', kind: 'generate', temperature: undefined, firstByteTimeoutMs: undefined, outcome: 'ok' },
      { after: 'caller', kind: 'generate', temperature: undefined, firstByteTimeoutMs: undefined, outcome: 'ok' },
    ])
    // the trace hears of the retry once; metrics and the request's observer count one call
    expect(retries).toEqual([[503, 1]])
    expect(observed.reports).toEqual([{ provider: 'base', model: 'm', kind: 'generate' }])

    sightings.length = 0
    observed.reports.length = 0
    retries.length = 0
    const events: string[] = []
    for await (const event of provider.stream(request, options(retries))) events.push(event.type)
    // a stream whose first event is a retryable error is opened again; the caller never sees that error
    expect(events).toEqual(['text-delta', 'finish'])
    expect(retries).toEqual([[503, 1]])
    expect(sightings.map(({ after, outcome }) => `${after}: ${outcome}`)).toEqual([
      'defaults: error 503',
      'retry: error 503',
      'defaults: text-delta,finish',
      'retry: text-delta,finish',
      'timeouts: text-delta,finish',
      'concurrency: text-delta,finish',
      'instrumentation: text-delta,finish',
      'caller: text-delta,finish',
    ])
    expect(observed.reports).toHaveLength(1)
  })

  it('retries nothing once a stream has yielded, nor a failure that is not retryable, nor past maxRetries', async () => {
    const sightings: Sighting[] = []
    const observed = { reports: [] as UpstreamCallReport[] }
    let mode: 'late error' | 'not retryable' | 'always overloaded' = 'late error'
    let calls = 0
    const base: Provider = {
      id: 'base',
      async generate() {
        calls++
        if (mode === 'not retryable') throw new ProxyError('bad', { status: 400, type: 'invalid_request_error' })
        throw overloaded()
      },
      async *stream(): AsyncGenerator<StreamEvent> {
        calls++
        yield { type: 'text-delta', choice: 0, delta: 'partial' }
        yield { type: 'error', error: overloaded() }
      },
      listModels: async () => undefined,
    }
    const { provider, options } = composeWithProbes(base, sightings, observed)
    const retries: Array<[number, number]> = []
    const events: string[] = []
    for await (const event of provider.stream(request, options(retries))) events.push(event.type)
    expect(events).toEqual(['text-delta', 'error'])
    expect([calls, retries.length]).toEqual([1, 0])

    calls = 0
    mode = 'not retryable'
    await expect(provider.generate(request, options(retries))).rejects.toMatchObject({ status: 400 })
    expect([calls, retries.length]).toEqual([1, 0])

    calls = 0
    mode = 'always overloaded'
    await expect(provider.generate(request, options(retries))).rejects.toMatchObject({ status: 503 })
    // upstreamMaxRetries: 2, so three attempts and two announced retries
    expect(calls).toBe(3)
    expect(retries).toEqual([
      [503, 1],
      [503, 2],
    ])
  })

  it('a wait for a retry ends when the call is aborted', async () => {
    const slowRetry = (): ProxyError =>
      new ProxyError('overloaded', { status: 503, type: 'upstream_error', isRetryable: true, retryAfter: '30', retryAfterSeconds: 30 })
    let calls = 0
    const base: Provider = {
      id: 'base',
      async generate() {
        calls++
        throw slowRetry()
      },
      async *stream(): AsyncGenerator<StreamEvent> {
        calls++
        yield { type: 'error', error: slowRetry() }
      },
      listModels: async () => undefined,
    }
    const { provider } = composeWithProbes(base, [], { reports: [] })
    const leaving = new AbortController()
    const pending = provider.generate(request, { signal: leaving.signal })
    setTimeout(() => leaving.abort(), 50)
    await expect(pending).rejects.toMatchObject({ status: 499 })
    const streamLeaving = new AbortController()
    setTimeout(() => streamLeaving.abort(), 50)
    const events: StreamEvent[] = []
    for await (const event of provider.stream(request, { signal: streamLeaving.signal })) events.push(event)
    expect(events.map((event) => (event.type === 'error' ? event.error.status : event.type))).toEqual([499])
    expect(calls).toBe(2)
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
