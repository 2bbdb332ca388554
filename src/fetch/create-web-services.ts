import { WebFailure, type WebServices } from '../core/services/web.js'
import { createSearchBackend, type SearchBackend, type SearchSettings } from '../search/search-backend.js'
import { parseAllowList } from './address-policy.js'
import { createGuardedLookup, resolveWithSystem, type ResolveHost } from './guarded-dispatcher.js'
import { createPageFetcher } from './page-fetcher.js'

export interface WebSettings {
  /** OPTIPROXY_FETCH_ALLOW_HOSTS: hosts and CIDRs the guard lets through. */
  allowHosts?: string
  timeoutMs: number
  maxBytes: number
  maxTextChars: number
  /** Pages one request may ask for (a page served from the cache counts too). */
  maxFetchesPerRequest: number
  search?: SearchSettings
  /** A test's resolver; the system's otherwise. */
  resolveHost?: ResolveHost
}

export const fetchUserAgent = 'optiproxy/0.1 (+https://github.com/optiproxy/optiproxy; plugin fetch)'

/**
 * The app's web layer (guarded agent, page cache, search backend), handing each request its own WebServices
 * with a fresh fetch budget.
 * @example const web = createWebServiceFactory(settings); const services = web.forRequest()
 */
export function createWebServiceFactory(settings: WebSettings): { forRequest(): WebServices; close(): Promise<void> } {
  const allowList = parseAllowList(settings.allowHosts)
  const lookup = createGuardedLookup(allowList, settings.resolveHost ?? resolveWithSystem)
  const fetcher = createPageFetcher({
    allowList,
    lookup,
    timeoutMs: settings.timeoutMs,
    maxBytes: settings.maxBytes,
    maxTextChars: settings.maxTextChars,
    maxRedirects: 5,
    userAgent: fetchUserAgent,
    cacheEntries: 256,
    cacheTtlMs: 5 * 60_000,
  })
  const backend: SearchBackend | undefined = settings.search === undefined ? undefined : createSearchBackend(settings.search)
  return {
    forRequest() {
      let fetches = 0
      return {
        searchBackend: backend?.id,
        async fetchPage(url, signal) {
          if (fetches >= settings.maxFetchesPerRequest) {
            throw new WebFailure('budget', `The request's fetch budget (${settings.maxFetchesPerRequest} pages) is spent; ${url} was not fetched.`)
          }
          fetches++
          return fetcher.fetchPage(url, signal)
        },
        async search(query, signal, limit) {
          if (backend === undefined)
            throw new WebFailure('not-configured', 'No search backend is configured (set OPTIPROXY_SEARCH_URL for SearXNG, or a Brave or Tavily key).')
          return backend.search(query, signal, limit)
        },
      }
    },
    // connections are not pooled: nothing stays open between fetches
    close: async () => undefined,
  }
}
