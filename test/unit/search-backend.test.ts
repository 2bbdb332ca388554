import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config-file.js'
import { WebFailure } from '../../src/core/services/web.js'
import { createSearchBackend } from '../../src/search/search-backend.js'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}
const seen: Seen[] = []
let base = ''
const server = createServer((request, response) => {
  let body = ''
  request.on('data', (chunk: Buffer) => (body += chunk.toString()))
  request.on('end', () => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body })
    response.writeHead(200, { 'content-type': 'application/json' })
    if (request.url?.startsWith('/brave')) {
      response.end(
        JSON.stringify({
          type: 'search',
          web: { results: [{ title: 'Brave hit', url: 'https://example.com/b', description: 'A <strong>bold</strong> snippet' }] },
        }),
      )
    } else if (request.url?.startsWith('/tavily')) {
      response.end(JSON.stringify({ query: 'q', results: [{ title: 'Tavily hit', url: 'https://example.com/t', content: 'Tavily content', score: 0.9 }] }))
    } else if (request.url?.startsWith('/broken')) {
      response.end('{not json')
    } else {
      response.end(
        JSON.stringify({
          results: [
            { title: 'Searx hit', url: 'https://example.com/s', content: 'Searx content' },
            { title: 'Not web', url: 'javascript:alert(1)', content: '' },
          ],
        }),
      )
    }
  })
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
const signal = () => new AbortController().signal

describe('search backends', () => {
  it('SearXNG: GET <base>/search?q=...&format=json; non-http(s) hits dropped', async () => {
    const hits = await createSearchBackend({ backend: 'searxng', url: `${base}/searx`, timeoutMs: 2_000 }).search('eiffel tower', signal(), 5)
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/searx/search?q=eiffel+tower&format=json' })
    expect(hits).toEqual([{ title: 'Searx hit', url: 'https://example.com/s', snippet: 'Searx content' }])
  })

  it('Brave: the subscription token header and count; tags stripped from descriptions', async () => {
    const hits = await createSearchBackend({ backend: 'brave', url: `${base}/brave`, apiKey: 'brave-key', timeoutMs: 2_000 }).search('q', signal(), 3)
    expect(seen.at(-1)?.url).toBe('/brave?q=q&count=3')
    expect(seen.at(-1)?.headers['x-subscription-token']).toBe('brave-key')
    expect(hits).toEqual([{ title: 'Brave hit', url: 'https://example.com/b', snippet: 'A bold snippet' }])
  })

  it('Tavily: POST with a bearer key and max_results', async () => {
    const hits = await createSearchBackend({ backend: 'tavily', url: `${base}/tavily`, apiKey: 'tvly-key', timeoutMs: 2_000 }).search('q', signal(), 4)
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/tavily' })
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer tvly-key')
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({ query: 'q', max_results: 4 })
    expect(hits[0]).toEqual({ title: 'Tavily hit', url: 'https://example.com/t', snippet: 'Tavily content' })
  })

  it('a missing key or a broken answer is a WebFailure with its reason', async () => {
    await expect(createSearchBackend({ backend: 'brave', timeoutMs: 2_000 }).search('q', signal(), 3)).rejects.toMatchObject({ reason: 'not-configured' })
    const broken = await createSearchBackend({ backend: 'searxng', url: `${base}/broken`, timeoutMs: 2_000 })
      .search('q', signal(), 3)
      .catch((error: unknown) => error)
    expect(broken).toBeInstanceOf(WebFailure)
    expect((broken as WebFailure).reason).toBe('network')
  })
})

describe('mcp_servers in the config file', () => {
  it('accepts stdio commands and streamable-HTTP URLs, and names a bad entry', () => {
    const file = parseConfigFile({ mcp_servers: { files: { command: 'npx', args: ['-y', 'some-server'] }, remote: { url: 'http://127.0.0.1:9000/mcp' } } })
    expect(file.mcp_servers?.files).toEqual({ command: 'npx', args: ['-y', 'some-server'] })
    expect(() => parseConfigFile({ mcp_servers: { remote: { url: 'not a url' } } })).toThrow(/mcp_servers\.remote/)
    expect(() => parseConfigFile({ mcp_servers: { 'bad name!': { command: 'x' } } })).toThrow(/mcp_servers/)
  })
})
