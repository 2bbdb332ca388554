import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startMcpHttpServer, type McpHttpServer } from '../helpers/mcp-test-server.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
let remote: McpHttpServer
beforeAll(async () => {
  remote = await startMcpHttpServer()
  t = await startProxyUnderTest({
    file: {
      mcp_servers: {
        local: { command: process.execPath, args: ['--import', 'tsx', 'test/helpers/mcp-stdio-server.ts'] },
        remote: { url: remote.url },
        broken: { command: '/nonexistent/mcp-server-binary' },
      },
    },
  } as never)
})
afterAll(async () => {
  await t.close()
  await remote.close()
})
beforeEach(() => t.upstream.reset())

interface ChatBody {
  tools?: Array<{ function: { name: string } }>
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>
}
const readBody = (request: RecordedRequest): ChatBody => request.body as ChatBody
const toolCall = (id: string, name: string, args: object) => ({
  kind: 'json' as const,
  body: buildChatCompletion({ toolCalls: [{ id, name, arguments: JSON.stringify(args) }] }),
})
const answer = (content: string) => ({ kind: 'json' as const, body: buildChatCompletion({ content }) })

describe('the mcp plugin', () => {
  it('offers the tools of a stdio and an HTTP server, runs the calls, feeds the results back, and answers; a broken server is a trace note', async () => {
    let call = 0
    t.upstream.setHandler(() => {
      call++
      if (call === 1) return toolCall('call_a', 'local__lookup_capital', { country: 'Norway' })
      if (call === 2) return toolCall('call_b', 'remote__lookup_capital', { country: 'Kenya' })
      return answer('Oslo and Nairobi.')
    })
    const data = await t.client.chat.completions.create({ model: 'mcp-gpt-4o-mini', messages: [{ role: 'user', content: 'Capitals of Norway and Kenya?' }] })
    expect(data.choices[0]?.message.content).toBe('Oslo and Nairobi.')
    expect(data.choices[0]?.finish_reason).toBe('stop')
    const requests = t.upstream.requests
    expect(requests).toHaveLength(3)
    const offered = readBody(requests[0] as RecordedRequest).tools?.map((tool) => tool.function.name)
    expect(offered).toEqual(expect.arrayContaining(['local__lookup_capital', 'local__always_fails', 'remote__lookup_capital']))
    const second = readBody(requests[1] as RecordedRequest).messages
    expect(second.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_a', content: 'The capital of Norway is Oslo.' })
    const third = readBody(requests[2] as RecordedRequest).messages
    expect(third.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_b', content: 'The capital of Kenya is Nairobi.' })
    const trace = (data.choices[0]?.message as { reasoning_content?: string }).reasoning_content ?? ''
    expect(trace).toContain('[mcp] server unavailable: broken')
    expect(trace).toContain('local__lookup_capital({"country":"Norway"}) -> The capital of Norway is Oslo.')
    expect(remote.requests).toBeGreaterThan(0)
  })

  it('bounds the loop: after max_rounds the model answers without tools; a failing tool is an error result, not a 500', async () => {
    t.upstream.setHandler((request) => (readBody(request).tools === undefined ? answer('Gave up on the tool.') : toolCall('call_x', 'local__always_fails', {})))
    const data = await t.client.chat.completions.create({
      model: 'mcp-gpt-4o-mini',
      messages: [{ role: 'user', content: 'Try the tool.' }],
      optiproxy: { mcp: { max_rounds: 2 } },
    } as never)
    expect(t.upstream.requests).toHaveLength(3)
    expect(readBody(t.upstream.requests[2] as RecordedRequest).tools).toBeUndefined()
    expect(readBody(t.upstream.requests[1] as RecordedRequest).messages.at(-1)).toMatchObject({ role: 'tool', content: 'disk on fire' })
    expect(data.choices[0]?.message.content).toBe('Gave up on the tool.')
    expect((data.choices[0]?.message as { reasoning_content?: string }).reasoning_content).toContain('2 tool rounds used')
  })

  it("leaves the client's own tools to the client: a call of one comes back as tool_calls", async () => {
    t.upstream.setHandler(() => toolCall('call_w', 'get_weather', { city: 'Paris' }))
    const data = await t.client.chat.completions.create({
      model: 'mcp-gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    })
    expect(t.upstream.requests).toHaveLength(1)
    const offered = readBody(t.upstream.requests[0] as RecordedRequest).tools?.map((tool) => tool.function.name)
    expect(offered).toContain('get_weather')
    expect(offered).toContain('local__lookup_capital')
    expect(data.choices[0]?.finish_reason).toBe('tool_calls')
    expect(data.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'call_w', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } })
  })
})
