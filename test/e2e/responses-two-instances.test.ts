import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildChatCompletionChunks, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'
import { expectSchemaValidWhenAvailable } from '../helpers/openapi.js'
import { createTestKeyPrefix, deleteKeysWithPrefix, describeWithRedis, isRedisReachable, redisUrl } from '../helpers/redis.js'

/**
 * Two real optiproxy processes (src/cli.ts run by Node with tsx) sharing the machine's Redis: background runs,
 * resumed streams, cancels and a killed instance across them.
 */

const leaseMs = 1_000
const cliPath = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))

interface Instance {
  url: string
  child: ChildProcess
  stop(signal?: NodeJS.Signals): Promise<void>
}

function startInstance(upstreamUrl: string, prefix: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'sk-test-upstream',
      REDIS_URL: redisUrl,
      OPTIPROXY_REDIS_KEY_PREFIX: prefix,
      OPTIPROXY_RUN_LEASE_MS: String(leaseMs),
      OPTIPROXY_RUN_DRAIN_MS: '0',
      OPTIPROXY_KEEPALIVE_MS: '200',
      OPTIPROXY_RESPONSE_TTL_SECONDS: '600',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr?.on('data', (data: Buffer) => {
    output += data.toString()
    if (process.env.DEBUG_INSTANCES === '1') process.stderr.write(data)
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${output}`)), 15_000)
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${output}`)))
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      const exited = new Promise<void>((done) => child.once('exit', () => done()))
      resolve({
        url: `${match[1]}/v1`,
        child,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          await exited
        },
      })
    })
  })
}

type StreamEvent = { type: string; sequence_number: number; delta?: string; response?: { status: string; output_text?: string } }

/** Reads SSE events from a response; stops after `limit` events (then drops the connection) or at the end. */
async function readEvents(response: Response, limit = Number.POSITIVE_INFINITY): Promise<StreamEvent[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const events: StreamEvent[] = []
  let buffer = ''
  while (events.length < limit) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1 && events.length < limit) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = block.split('\n').find((line) => line.startsWith('data: '))
      if (data !== undefined) events.push(JSON.parse(data.slice(6)) as StreamEvent)
    }
  }
  await reader.cancel().catch(() => undefined)
  return events
}

const createBackground = async (instance: Instance, body: Record<string, unknown> = {}): Promise<{ id: string; status: string }> => {
  const response = await fetch(`${instance.url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Count slowly.', background: true, ...body }),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as { id: string; status: string }
}

/**
 * GET /responses/{id}. One retry on a socket error: a kept-alive connection idle for about the server's 5 s
 * keep-alive timeout (while the other instance starts under load) can be closed by the server just as fetch reuses it.
 */
const retrieve = async (instance: Instance, id: string): Promise<{ status: string; output_text?: string; error: { code: string; message: string } | null }> => {
  const read = async () =>
    (await (await fetch(`${instance.url}/responses/${id}`)).json()) as { status: string; error: { code: string; message: string } | null }
  try {
    return await read()
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error
    return read()
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(condition()).toBe(true)
}

async function waitForStatus(
  instance: Instance,
  id: string,
  statuses: string[],
  timeoutMs = 10_000,
): Promise<{ status: string; error: { code: string; message: string } | null }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await retrieve(instance, id)
    if (statuses.includes(response.status)) return response
    if (Date.now() > deadline) throw new Error(`${id} is ${response.status}, never ${statuses.join('/')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describeWithRedis(await isRedisReachable(), 'Responses API across two instances sharing Redis', () => {
  const prefix = createTestKeyPrefix()
  let upstream: MockUpstream
  let a: Instance
  let b: Instance | undefined
  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream()
    a = await startInstance(upstream.url, prefix)
  })
  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')])
    await upstream?.close()
    await deleteKeysWithPrefix(prefix)
  })

  it('a cancel sent to B stops the run on A, and the upstream sees its call aborted', async () => {
    upstream.setHandler(() => ({ kind: 'hang' }))
    const queued = await createBackground(a)
    expect(queued.status).toBe('queued')
    // only A runs workers yet, so A takes the run
    await waitForStatus(a, queued.id, ['in_progress'])
    b = await startInstance(upstream.url, prefix)
    await waitUntil(() => upstream.inFlight === 1)
    const cancelled = await fetch(`${b.url}/responses/${queued.id}/cancel`, { method: 'POST' })
    const body = (await cancelled.json()) as { status: string }
    expectSchemaValidWhenAvailable('Response', body)
    expect(body.status).toBe('cancelled')
    await upstream.waitForClosed(1, 5_000)
    expect((await retrieve(a, queued.id)).status).toBe('cancelled')
  })

  it('a run started on A is resumed on B from a sequence number, nothing lost or duplicated', async () => {
    upstream.reset()
    const pieces = Array.from({ length: 20 }, (_, index) => `w${index} `)
    upstream.setHandler(() => ({ kind: 'sse', events: buildChatCompletionChunks({ text: pieces }), delayMs: 25 }))
    const response = await fetch(`${a.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Count slowly.', background: true, stream: true }),
    })
    const first = await readEvents(response, 8) // then the client drops the connection
    const id = (first[0]?.response as unknown as { id: string }).id
    const last = (first.at(-1) as StreamEvent).sequence_number
    const rest = await readEvents(await fetch(`${(b as Instance).url}/responses/${id}?stream=true&starting_after=${last}`))
    const all = [...first, ...rest]
    expect(all.map((event) => event.sequence_number)).toEqual(all.map((_, index) => index))
    expect(all.at(-1)?.type).toBe('response.completed')
    const text = all
      .filter((event) => event.type === 'response.output_text.delta')
      .map((event) => event.delta)
      .join('')
    expect(text).toBe(pieces.join(''))
    const stored = (await retrieve(b as Instance, id)) as unknown as { output: Array<{ content: Array<{ text: string }> }> }
    expect(stored.output[0]?.content[0]?.text).toBe(pieces.join(''))
  })

  it('when A is killed mid-run, the response ends failed within the lease time', async () => {
    upstream.reset()
    upstream.setHandler(() => ({ kind: 'hang' }))
    // make A the only worker again while the run starts
    await (b as Instance).stop('SIGTERM')
    const queued = await createBackground(a)
    await waitForStatus(a, queued.id, ['in_progress'])
    b = await startInstance(upstream.url, prefix)
    const follow = fetch(`${b.url}/responses/${queued.id}?stream=true&starting_after=1`).then((response) => readEvents(response))
    const killedAt = Date.now()
    await a.stop('SIGKILL')
    const failed = await waitForStatus(b, queued.id, ['failed'], leaseMs * 6)
    const elapsed = Date.now() - killedAt
    if (process.env.DEBUG_INSTANCES === '1') console.log(`failed ${elapsed} ms after the kill (lease ${leaseMs} ms)`)
    expect(failed.error?.code).toBe('server_error')
    expect(failed.error?.message).toMatch(/stopped/)
    // the lease plus one stalled-job check, with room for a loaded machine
    expect(elapsed).toBeLessThan(leaseMs * 6)
    const events = await follow
    expect(events.at(-1)?.type).toBe('response.failed')
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index + 2))
  })
})
