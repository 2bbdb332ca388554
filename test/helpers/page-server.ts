/**
 * A local web for the plugins' tests, on 127.0.0.1: an article wrapped in boilerplate, redirects (to a page of
 * its own, to private and metadata addresses), a huge page, a slow page, a PDF, a long document with one fact
 * buried in its middle, and a SearXNG-compatible JSON search endpoint whose results point back at its own pages.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPdf } from './create-pdf.js'

export interface PageServer {
  /** http://127.0.0.1:PORT */
  url: string
  port: number
  /** Every request: path and headers, in arrival order. */
  requests: Array<{ path: string; headers: IncomingMessage['headers'] }>
  /** When set, GET /search answers with this status (a failing search backend). */
  searchStatus: number | undefined
  /** When true, GET /search answers with no results. */
  searchEmpty: boolean
  close(): Promise<void>
}

/** The sentence hidden in the middle of /long (and in the long-document fixture). */
export const buriedFact = 'The lighthouse keeper of Skarvik was named Ingrid Halvorsen in 1887.'

export const articleText = 'Quokkas live on Rottnest Island and are known for their apparent smiles. They are small marsupials about the size of a cat.'

const boilerplate = (body: string, title = 'Quokka facts - Wildlife Weekly'): string =>
  `<!doctype html><html><head><title>${title}</title>` +
  '<style>.x{color:red}</style><script>var tracking = "TRACKING-CODE";</script></head><body>' +
  '<nav><a href="/">Home</a> | <a href="/subscribe">SUBSCRIBE-NAV-LINK</a></nav>' +
  `<main><article><h1>${title.split(' - ')[0]}</h1>${body}</article></main>` +
  '<aside class="sidebar">Advertisement: BUY-NOW-SIDEBAR</aside><footer>Copyright FOOTER-BOILERPLATE 2026</footer></body></html>'

/** Filler paragraphs that say nothing about the questions the tests ask. */
export function createFillerParagraph(index: number): string {
  return `Paragraph ${index} describes the weather of a harbour town, the price of fish at the market, and the ferries that cross the bay every morning before the fog lifts.`
}

/** A document of about `paragraphs` * 150 characters with the buried fact exactly in the middle. */
export function createLongDocument(paragraphs: number): string {
  const parts: string[] = []
  for (let index = 0; index < paragraphs; index++) {
    parts.push(createFillerParagraph(index))
    if (index === Math.floor(paragraphs / 2)) parts.push(buriedFact)
  }
  return parts.join('\n\n')
}

function handle(server: PageServer, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', server.url)
  server.requests.push({ path: `${url.pathname}${url.search}`, headers: request.headers })
  const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'content-type': type, ...headers })
    response.end(body)
  }
  const paragraphs = Array.from(
    { length: 6 },
    (_, index) =>
      `<p>${index === 0 ? articleText : `More about quokkas, detail ${index}: they eat leaves, grasses and stems, and can go without water for long periods.`}</p>`,
  ).join('')
  switch (url.pathname) {
    case '/article':
      return send(200, 'text/html; charset=utf-8', boilerplate(paragraphs))
    case '/plain':
      return send(200, 'text/plain', 'Plain text notes: the answer is forty-two.')
    case '/redirect-to-article':
      return send(302, 'text/plain', '', { location: '/article' })
    case '/redirect-private':
      return send(302, 'text/plain', '', { location: 'http://10.0.0.1/secret' })
    case '/redirect-metadata':
      return send(302, 'text/plain', '', { location: 'http://169.254.169.254/latest/meta-data/' })
    case '/redirect-file':
      return send(302, 'text/plain', '', { location: 'file:///etc/passwd' })
    case '/huge': {
      response.writeHead(200, { 'content-type': 'text/html' })
      const chunk = `<p>${'huge page filler '.repeat(60)}</p>`
      // about 8 MB unless the reader stops early
      let written = 0
      const write = (): void => {
        while (written < 8 * 1024 * 1024) {
          written += chunk.length
          if (!response.write(chunk)) {
            response.once('drain', write)
            return
          }
        }
        response.end()
      }
      response.on('close', () => (written = Infinity))
      return write()
    }
    case '/slow':
      response.writeHead(200, { 'content-type': 'text/html' })
      response.write('<html><body><p>starting')
      // never finishes: the fetch layer's time cap ends it
      return
    case '/doc.pdf':
      return send(200, 'application/pdf', '%PDF-1.4 fake')
    case '/paper.pdf':
      response.writeHead(200, { 'content-type': 'application/pdf' })
      return void response.end(createPdf('Quokkas were first described by Willem de Vlamingh in 1696.'))
    case '/image.png':
      return send(200, 'image/png', 'PNG')
    case '/missing':
      return send(404, 'text/html', '<h1>Not found</h1>')
    case '/long':
      return send(200, 'text/plain', createLongDocument(250))
    case '/source/1':
      return send(
        200,
        'text/html',
        boilerplate('<p>Source one: the Eiffel Tower is 330 metres tall since its 2022 antenna.</p>'.repeat(3), 'Eiffel Tower height - Paris Guide'),
      )
    case '/source/2':
      return send(
        200,
        'text/html',
        boilerplate('<p>Source two: the Eiffel Tower was completed in March 1889 for the World Fair.</p>'.repeat(3), 'Eiffel Tower history - Paris Guide'),
      )
    case '/source/3':
      return send(
        200,
        'text/html',
        boilerplate("<p>Source three: Gustave Eiffel's company designed and built the tower.</p>".repeat(3), 'Who built the Eiffel Tower - Paris Guide'),
      )
    case '/search': {
      if (server.searchStatus !== undefined) return send(server.searchStatus, 'text/plain', 'search is down')
      const query = url.searchParams.get('q') ?? ''
      if (url.searchParams.get('format') !== 'json') return send(400, 'text/plain', 'format=json only')
      const round = /design|builder/i.test(query) ? [3] : [1, 2]
      const results = server.searchEmpty
        ? []
        : round.map((number) => ({
            url: `${server.url}/source/${number}`,
            title: `Source ${number}`,
            content: `Snippet ${number} for ${query}`,
            engine: 'test',
          }))
      return send(200, 'application/json', JSON.stringify({ query, number_of_results: results.length, results, answers: [], suggestions: [] }))
    }
    default:
      return send(404, 'text/plain', 'not found')
  }
}

/**
 * Starts the page server on a free port of 127.0.0.1.
 * @example const pages = await startPageServer(); await fetchPage(`${pages.url}/article`)
 */
export async function startPageServer(): Promise<PageServer> {
  const state: PageServer = { url: '', port: 0, requests: [], searchStatus: undefined, searchEmpty: false, close: async () => undefined }
  const server = createServer((request, response) => handle(state, request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  state.port = port
  state.url = `http://127.0.0.1:${port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return state
}
