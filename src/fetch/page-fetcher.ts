import ipaddr from 'ipaddr.js'
import { LRUCache } from 'lru-cache'
import type { IncomingMessage } from 'node:http'
import { WebFailure, type FetchedPage } from '../core/services/web.js'
import { checkAddress, isHostAllowed, type AllowList } from './address-policy.js'
import { sendGuardedGet, type GuardedLookup } from './guarded-dispatcher.js'
import { foldWhitespace, convertHtmlToText } from './html-to-text.js'
import { convertPdfToText } from './pdf-to-text.js'

export interface PageFetcherSettings {
  allowList: AllowList
  /** The guarded lookup (src/fetch/guarded-dispatcher.ts): every connection's address checked and pinned. */
  lookup: GuardedLookup
  /** Whole fetch, redirects and body included. */
  timeoutMs: number
  /** Largest body read; a longer one is cut here (and marked truncated). */
  maxBytes: number
  /** Longest readable text kept per page. */
  maxTextChars: number
  maxRedirects: number
  userAgent: string
  /** Pages kept (successful fetches only) and for how long. */
  cacheEntries: number
  cacheTtlMs: number
}

const htmlTypes = new Set(['text/html', 'application/xhtml+xml'])
const textTypes = new Set(['text/plain', 'text/markdown', 'text/csv', 'application/json', 'text/xml', 'application/xml'])

export interface PageFetcher {
  /** Fetches one page: scheme and address checked, redirects re-checked, caps applied, cached by URL. */
  fetchPage(url: string, signal: AbortSignal): Promise<FetchedPage>
}

/**
 * The one way the proxy fetches a page for a plugin. Throws a WebFailure naming the reason (refused, too large,
 * timeout, unsupported type, HTTP status, network).
 * @example const page = await createPageFetcher(settings).fetchPage('https://example.com', signal)
 */
export function createPageFetcher(settings: PageFetcherSettings): PageFetcher {
  const cache = new LRUCache<string, FetchedPage>({ max: settings.cacheEntries, ttl: settings.cacheTtlMs })
  return {
    async fetchPage(url, signal) {
      const cached = cache.get(url)
      if (cached !== undefined) return cached
      const page = await fetchUncached(settings, url, signal)
      cache.set(url, page)
      return page
    },
  }
}

async function fetchUncached(settings: PageFetcherSettings, url: string, signal: AbortSignal): Promise<FetchedPage> {
  const timeout = AbortSignal.timeout(settings.timeoutMs)
  const combined = AbortSignal.any([signal, timeout])
  let current = parseTarget(url, settings.allowList)
  try {
    for (let hop = 0; ; hop++) {
      const response = await sendGuardedGet(current, {
        lookup: settings.lookup,
        signal: combined,
        headers: { 'user-agent': settings.userAgent, accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.5' },
      })
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (status >= 300 && status < 400 && typeof location === 'string') {
        response.resume()
        if (hop >= settings.maxRedirects) throw new WebFailure('http-status', `Too many redirects (more than ${settings.maxRedirects}) from ${url}.`)
        // every redirect is checked again: its scheme, an address literal here, a name at connect time
        current = parseTarget(new URL(location, current).href, settings.allowList)
        continue
      }
      if (status >= 400) {
        response.resume()
        throw new WebFailure('http-status', `${current.href} answered HTTP ${status}.`)
      }
      const contentType = readContentType(response.headers['content-type'])
      const isPdf = contentType === 'application/pdf'
      if (!isPdf && !htmlTypes.has(contentType) && !textTypes.has(contentType) && !contentType.startsWith('text/')) {
        response.destroy()
        throw new WebFailure('unsupported-type', `${current.href} is ${contentType || 'of no stated type'}; only HTML, text and PDF are read.`)
      }
      const { bytes, truncated } = await readCapped(response, settings.maxBytes)
      // a PDF cut at the size cap cannot be parsed
      if (isPdf && truncated) throw new WebFailure('too-large', `${current.href} is a PDF larger than ${settings.maxBytes} bytes (OPTIPROXY_FETCH_MAX_BYTES).`)
      const readable = isPdf
        ? await convertPdfToText(bytes, current.href)
        : htmlTypes.has(contentType)
          ? await convertHtmlToText(new TextDecoder('utf-8').decode(bytes))
          : { text: foldWhitespace(new TextDecoder('utf-8').decode(bytes)) }
      const cut = readable.text.length > settings.maxTextChars
      return {
        url,
        finalUrl: current.href,
        ...(readable.title === undefined ? {} : { title: readable.title }),
        text: cut ? readable.text.slice(0, settings.maxTextChars) : readable.text,
        contentType,
        truncated: truncated || cut,
      }
    }
  } catch (error) {
    throw classifyFailure(error, url, timeout, settings.timeoutMs)
  }
}

/** Only http and https, no credentials in the URL, and an address literal checked here (it never reaches a lookup). */
function parseTarget(url: string, allowList: AllowList): URL {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new WebFailure('refused', `'${url.slice(0, 200)}' is not a URL.`)
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new WebFailure('refused', `Refused ${target.protocol} URL: only http and https are fetched.`)
  if (target.username !== '' || target.password !== '') throw new WebFailure('refused', 'Refused a URL with credentials in it.')
  const host = target.hostname.replace(/^\[|\]$/g, '')
  if (ipaddr.isValid(host) && !isHostAllowed(host, allowList)) {
    const reason = checkAddress(host, allowList)
    if (reason !== undefined) throw new WebFailure('refused', `Refused to fetch from ${host} (${reason}); list it in OPTIPROXY_FETCH_ALLOW_HOSTS to allow it.`)
  }
  return target
}

function readContentType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return (value ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** Reads at most `maxBytes`, then stops the download. */
async function readCapped(body: IncomingMessage, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of body) {
    const buffer = chunk as Buffer
    if (total + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - total))
      body.destroy()
      return { bytes: Buffer.concat(chunks), truncated: true }
    }
    chunks.push(buffer)
    total += buffer.length
  }
  return { bytes: Buffer.concat(chunks), truncated: false }
}

function classifyFailure(error: unknown, url: string, timeout: AbortSignal, timeoutMs: number): unknown {
  if (error instanceof WebFailure) return error
  const cause = (error as { cause?: unknown } | undefined)?.cause
  if (cause instanceof WebFailure) return cause
  if (timeout.aborted) return new WebFailure('timeout', `${url} took longer than ${timeoutMs} ms.`)
  if (error instanceof Error && error.name === 'AbortError') return error
  const message = error instanceof Error ? error.message : String(error)
  return new WebFailure('network', `${url} could not be fetched: ${message}.`, { cause: error })
}
