import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/server.js'
import { buildChatCompletion, startMockOpenAIUpstream, type MockUpstream } from '../helpers/mock-openai-upstream.js'

const keys = { all: 'sk-proxy-plan-all-0123456789', onlyNone: 'sk-proxy-plan-none-0123456789', onlyBon: 'sk-proxy-plan-bon-01234567890' }
const apiKeys = [
  { name: 'all', key: keys.all },
  { name: 'only-none', key: keys.onlyNone, approaches: ['none'] },
  { name: 'only-bon', key: keys.onlyBon, approaches: ['bon'] },
]
const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }]
const user = (text: string) => ({ role: 'user', content: text })

/** Every way an approach is chosen or overridden, and the one approach that must run. */
const cases: Array<{ name: string; body: Record<string, unknown>; label: string; model: string; metricLabel?: string }> = [
  { name: 'the default', body: { model: 'gpt-4o-mini', messages: [user('hi')] }, label: 'none', model: 'gpt-4o-mini' },
  { name: 'the model prefix', body: { model: 'bon-gpt-4o-mini', messages: [user('hi')] }, label: 'bon', model: 'gpt-4o-mini' },
  { name: 'the request field', body: { model: 'gpt-4o-mini', optillm_approach: 'bon', messages: [user('hi')] }, label: 'bon', model: 'gpt-4o-mini' },
  {
    name: 'the field over the prefix',
    body: { model: 'moa-gpt-4o-mini', optillm_approach: 'bon', messages: [user('hi')] },
    label: 'bon',
    model: 'gpt-4o-mini',
  },
  {
    name: 'the tag over the field and the prefix',
    body: {
      model: 'moa-gpt-4o-mini',
      optillm_approach: 'moa',
      messages: [{ role: 'system', content: 'Be brief. <optillm_approach>bon</optillm_approach>' }, user('hi')],
    },
    label: 'bon',
    model: 'gpt-4o-mini',
  },
  {
    name: "'auto' in the field leaves the prefix",
    body: { model: 'bon-gpt-4o-mini', optillm_approach: 'auto', messages: [user('hi')] },
    label: 'bon',
    model: 'gpt-4o-mini',
  },
  {
    name: 'tools over the prefix (bon with tools runs none)',
    body: { model: 'bon-gpt-4o-mini', tools, messages: [user('hi')] },
    label: 'none',
    model: 'gpt-4o-mini',
  },
  { name: 'tools over the field', body: { model: 'gpt-4o-mini', optillm_approach: 'bon', tools, messages: [user('hi')] }, label: 'none', model: 'gpt-4o-mini' },
  {
    name: "tool_choice 'none' lets the approach run",
    body: { model: 'bon-gpt-4o-mini', tools, tool_choice: 'none', messages: [user('hi')] },
    label: 'bon',
    model: 'gpt-4o-mini',
  },
  {
    name: 'a parallel combination',
    body: { model: 'gpt-4o-mini', optillm_approach: 'bon|none', messages: [user('hi')] },
    label: 'bon|none',
    model: 'gpt-4o-mini',
    metricLabel: 'other',
  },
]

let upstream: MockUpstream
let proxy: RunningServer
let logText = ''

const logLines = (): Array<Record<string, unknown>> =>
  logText
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

async function waitForLog(id: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const line = logLines().find((entry) => entry.request_id === id && entry.status !== undefined)
    if (line !== undefined) return line
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no log line for ${id}`)
}

/** The sum of `optiproxy_upstream_calls_total` under one approach label. */
async function readUpstreamCallsMetric(approach: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('optiproxy_upstream_calls_total{') || !line.includes(`approach="${approach}"`)) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

function post(body: Record<string, unknown>, key: string): Promise<Response> {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  })
}

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream()
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => (logText += chunk.toString()))
  proxy = await startServer(
    configSchema.parse({ host: '127.0.0.1', port: 0, openaiBaseUrl: upstream.url, openaiApiKey: 'sk-upstream', logLevel: 'info', apiKeys }),
    { logDestination: destination },
  )
})
afterAll(async () => {
  await proxy.close()
  await upstream.close()
})
beforeEach(() => {
  upstream.reset()
  // a rating judges can read, and an answer for everything else
  upstream.setHandler(() => ({ kind: 'json', body: buildChatCompletion({ content: 'Rating: 7', usage: { promptTokens: 3, completionTokens: 2 } }) }))
})

describe('one request plan', () => {
  it.each(cases)('$name: the log line, the metrics, the runner and the upstream agree on $label', async ({ body, label, model, metricLabel }) => {
    // a combination is counted as `other` (a bounded label)
    const before = await readUpstreamCallsMetric(metricLabel ?? label)
    const response = await post(body, keys.all)
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { model: string }
    expect(answer.model.startsWith(model)).toBe(true)
    const calls = Number(response.headers.get('x-optiproxy-upstream-calls'))
    const line = await waitForLog(response.headers.get('x-request-id') as string)
    // the runner's calls are the upstream's calls, the log's and the metric's, under the one label
    expect(line).toMatchObject({ approach: label, model: body.model, upstream_calls: calls, status: 200 })
    expect(upstream.requests).toHaveLength(calls)
    expect((await readUpstreamCallsMetric(metricLabel ?? label)) - before).toBe(calls)
    const sent = upstream.requests.map((request) => request.body as { model: string; tools?: unknown })
    expect(sent.every((request) => request.model === model)).toBe(true)
    if (label === 'none') {
      expect(calls).toBe(1)
      // a pass-through sends the client's request as it came: with its tools
      expect(sent[0]?.tools).toEqual('tools' in body ? tools : undefined)
    } else {
      expect(calls).toBeGreaterThan(1)
      expect(sent.every((request) => request.tools === undefined)).toBe(true)
    }
  })

  it('key checks read the same plan: a bon request with tools is checked as none', async () => {
    const bonWithTools = { model: 'bon-gpt-4o-mini', tools, messages: [user('hi')] }
    const bon = { model: 'bon-gpt-4o-mini', messages: [user('hi')] }
    expect((await post(bonWithTools, keys.onlyNone)).status).toBe(200)
    const refusedBon = await post(bon, keys.onlyNone)
    expect(refusedBon.status).toBe(403)
    expect(await refusedBon.json()).toMatchObject({ error: { code: 'approach_not_allowed', message: expect.stringContaining("'bon'") } })
    const refusedNone = await post(bonWithTools, keys.onlyBon)
    expect(refusedNone.status).toBe(403)
    expect(await refusedNone.json()).toMatchObject({ error: { code: 'approach_not_allowed', message: expect.stringContaining("'none'") } })
    expect((await post(bon, keys.onlyBon)).status).toBe(200)
    // refused requests never reach the upstream: 1 call for the allowed pass-through, more for the allowed bon
    expect(upstream.requests.filter((request) => (request.body as { tools?: unknown }).tools !== undefined)).toHaveLength(1)
  })
})
