import { z } from 'zod'
import { WebFailure, type SearchHit } from '../core/services/web.js'

/** The search backends: SearXNG's JSON API (self-hosted, the default), Brave Search, Tavily. */
export const searchBackendIds = ['searxng', 'brave', 'tavily'] as const
export type SearchBackendId = (typeof searchBackendIds)[number]

export interface SearchSettings {
  backend: SearchBackendId
  /** SearXNG: its base URL (`http://searxng:8080`, `/search` is added). Brave, Tavily: overrides their API URL. */
  url?: string
  apiKey?: string
  timeoutMs: number
}

export interface SearchBackend {
  readonly id: SearchBackendId
  search(query: string, signal: AbortSignal, limit: number): Promise<SearchHit[]>
}

const searxngSchema = z.object({
  results: z.array(z.looseObject({ url: z.string(), title: z.string().optional(), content: z.string().optional() })).default([]),
})
const braveSchema = z.object({
  web: z
    .object({ results: z.array(z.looseObject({ url: z.string(), title: z.string().optional(), description: z.string().optional() })).default([]) })
    .optional(),
})
const tavilySchema = z.object({
  results: z.array(z.looseObject({ url: z.string(), title: z.string().optional(), content: z.string().optional() })).default([]),
})

/** Most bytes of a search answer read (a search API answers in kilobytes). */
const maxAnswerBytes = 2 * 1024 * 1024

/**
 * The configured backend. Its URL is the operator's (a SearXNG on the private network is normal), so it is not
 * subject to the fetch guard; the pages its hits point to are.
 * @example const hits = await createSearchBackend({ backend: 'searxng', url: 'http://127.0.0.1:8888', timeoutMs: 10_000 }).search('q', signal, 5)
 */
export function createSearchBackend(settings: SearchSettings): SearchBackend {
  return {
    id: settings.backend,
    async search(query, signal, limit) {
      const bounded = query.slice(0, 400)
      const combined = AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)])
      const hits = await callBackend(settings, bounded, limit, combined)
      return hits
        .filter((hit) => /^https?:\/\//i.test(hit.url))
        .slice(0, limit)
        .map((hit) => ({ title: hit.title.slice(0, 300), url: hit.url.slice(0, 2000), snippet: hit.snippet.slice(0, 1000) }))
    },
  }
}

async function callBackend(settings: SearchSettings, query: string, limit: number, signal: AbortSignal): Promise<SearchHit[]> {
  switch (settings.backend) {
    case 'searxng': {
      if (settings.url === undefined) throw new WebFailure('not-configured', 'SearXNG needs OPTIPROXY_SEARCH_URL.')
      const base = new URL(settings.url)
      const target = new URL(base.pathname.replace(/\/$/, '').endsWith('/search') ? base.href : `${base.href.replace(/\/$/, '')}/search`)
      target.searchParams.set('q', query)
      target.searchParams.set('format', 'json')
      const body = searxngSchema.parse(await readJson(target.href, { method: 'GET', headers: { accept: 'application/json' } }, signal, 'SearXNG'))
      return body.results.map((hit) => ({ title: hit.title ?? hit.url, url: hit.url, snippet: hit.content ?? '' }))
    }
    case 'brave': {
      if (settings.apiKey === undefined) throw new WebFailure('not-configured', 'Brave Search needs OPTIPROXY_BRAVE_API_KEY.')
      const target = new URL(settings.url ?? 'https://api.search.brave.com/res/v1/web/search')
      target.searchParams.set('q', query)
      target.searchParams.set('count', String(Math.min(20, limit)))
      const headers = { accept: 'application/json', 'x-subscription-token': settings.apiKey }
      const body = braveSchema.parse(await readJson(target.href, { method: 'GET', headers }, signal, 'Brave Search'))
      return (body.web?.results ?? []).map((hit) => ({ title: hit.title ?? hit.url, url: hit.url, snippet: stripTags(hit.description ?? '') }))
    }
    case 'tavily': {
      if (settings.apiKey === undefined) throw new WebFailure('not-configured', 'Tavily needs OPTIPROXY_TAVILY_API_KEY.')
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${settings.apiKey}` }
      const payload = JSON.stringify({ query, max_results: Math.min(20, limit) })
      const body = tavilySchema.parse(
        await readJson(settings.url ?? 'https://api.tavily.com/search', { method: 'POST', headers, body: payload }, signal, 'Tavily'),
      )
      return body.results.map((hit) => ({ title: hit.title ?? hit.url, url: hit.url, snippet: hit.content ?? '' }))
    }
  }
}

async function readJson(
  url: string,
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  signal: AbortSignal,
  name: string,
): Promise<unknown> {
  try {
    const response = await fetch(url, { ...options, signal })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new WebFailure('http-status', `${name} answered HTTP ${response.status}.`)
    }
    const length = Number(response.headers.get('content-length') ?? 0)
    if (length > maxAnswerBytes) {
      await response.body?.cancel()
      throw new WebFailure('too-large', `${name}'s answer is larger than ${maxAnswerBytes} bytes.`)
    }
    const decoder = new TextDecoder()
    let text = ''
    for await (const chunk of response.body ?? []) {
      text += decoder.decode(chunk as Uint8Array, { stream: true })
      if (text.length > maxAnswerBytes) {
        await response.body?.cancel().catch(() => undefined)
        throw new WebFailure('too-large', `${name}'s answer is larger than ${maxAnswerBytes} bytes.`)
      }
    }
    return JSON.parse(text + decoder.decode()) as unknown
  } catch (error) {
    if (error instanceof WebFailure) throw error
    if (signal.aborted && !(error instanceof SyntaxError)) throw new WebFailure('timeout', `${name} did not answer in time.`, { cause: error })
    throw new WebFailure('network', `${name} failed: ${error instanceof Error ? error.message : String(error)}.`, { cause: error })
  }
}

function stripTags(text: string): string {
  return text.replace(/<[^>]{0,100}>/g, '')
}
