/**
 * What plugins may ask of the web, as interfaces: the runtime injects an implementation (src/fetch/, src/search/)
 * built from the configuration, with the SSRF guard, the caps and the per-request fetch budget inside it. An
 * approach never fetches anything itself.
 */

/** A page fetched and reduced to readable text. */
export interface FetchedPage {
  /** The URL asked for. */
  readonly url: string
  /** The URL the text came from, after redirects. */
  readonly finalUrl: string
  readonly title?: string
  /** Readable text: an HTML page's article, a plain-text or JSON body as it is. */
  readonly text: string
  readonly contentType: string
  /** True when the body or the text was cut at the size cap. */
  readonly truncated: boolean
}

/** One search hit. */
export interface SearchHit {
  readonly title: string
  readonly url: string
  readonly snippet: string
}

/** Why a fetch or a search gave nothing: the plugin notes it in the trace and carries on without it. */
export type WebFailureReason =
  | 'refused' // the SSRF guard: a private, loopback, link-local or metadata address, or a scheme other than http(s)
  | 'budget' // the request's fetch budget is spent
  | 'too-large'
  | 'timeout'
  | 'unsupported-type'
  | 'http-status'
  | 'network'
  | 'not-configured'

export class WebFailure extends Error {
  override name = 'WebFailure'
  constructor(
    readonly reason: WebFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * The web as one request sees it (its fetch budget is its own).
 * @example const page = await context.web?.fetchPage('https://example.com/article', context.signal)
 */
export interface WebServices {
  /** Fetches a page (cached), throws a WebFailure naming why it could not. */
  fetchPage(url: string, signal: AbortSignal): Promise<FetchedPage>
  /** Searches the configured backend; throws a WebFailure (`not-configured` without one). */
  search(query: string, signal: AbortSignal, limit: number): Promise<SearchHit[]>
  /** The backend's name (`searxng`, `brave`, `tavily`), undefined when none is configured. */
  readonly searchBackend: string | undefined
}

/**
 * The failure's reason, or `network` for anything else thrown.
 * @example readWebFailureReason(error) // 'refused'
 */
export function readWebFailureReason(error: unknown): WebFailureReason {
  return error instanceof WebFailure ? error.reason : 'network'
}
