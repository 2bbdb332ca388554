import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebFailure, type WebServices } from '../../src/core/services/web.js'
import { checkAddress, emptyAllowList, parseAllowList } from '../../src/fetch/address-policy.js'
import { createWebServiceFactory, type WebSettings } from '../../src/fetch/create-web-services.js'
import type { ResolveHost } from '../../src/fetch/guarded-dispatcher.js'
import { convertHtmlToText } from '../../src/fetch/html-to-text.js'
import { articleText, startPageServer, type PageServer } from '../helpers/page-server.js'

let pages: PageServer
const factories: Array<{ close(): Promise<void> }> = []
beforeAll(async () => {
  pages = await startPageServer()
})
afterAll(async () => {
  await Promise.all(factories.map((factory) => factory.close()))
  await pages.close()
})

function createWeb(settings: Partial<WebSettings> = {}): WebServices {
  const factory = createWebServiceFactory({ timeoutMs: 2_000, maxBytes: 256 * 1024, maxTextChars: 100_000, maxFetchesPerRequest: 10, ...settings })
  factories.push(factory)
  return factory.forRequest()
}

const signal = () => new AbortController().signal
async function expectFailure(promise: Promise<unknown>, reason: WebFailure['reason'], message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  expect(error).toBeInstanceOf(WebFailure)
  expect((error as WebFailure).reason).toBe(reason)
  if (message !== undefined) expect((error as WebFailure).message).toMatch(message)
}

describe('the address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.0.10', 'private'],
    ['172.16.5.5', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s)', (address, range) => {
    expect(checkAddress(address, emptyAllowList)).toBe(range)
  })

  it('lets public unicast addresses through', () => {
    expect(checkAddress('93.184.216.34', emptyAllowList)).toBeUndefined()
    expect(checkAddress('2606:2800:220:1:248:1893:25c8:1946', emptyAllowList)).toBeUndefined()
  })

  it('allows listed CIDRs and addresses, and rejects a malformed entry by name', () => {
    const allowList = parseAllowList('10.1.0.0/16, 127.0.0.1, docs.internal, .corp.example')
    expect(checkAddress('10.1.200.3', allowList)).toBeUndefined()
    expect(checkAddress('10.2.0.1', allowList)).toBe('private')
    expect(checkAddress('127.0.0.1', allowList)).toBeUndefined()
    expect(checkAddress('127.0.0.2', allowList)).toBe('loopback')
    expect(allowList.hosts.has('docs.internal')).toBe(true)
    expect(() => parseAllowList('10.0.0.0/99')).toThrow(/10.0.0.0\/99/)
    expect(() => parseAllowList('bad host!')).toThrow(/bad host!/)
  })
})

describe('the guarded fetch', () => {
  it('refuses loopback by default (an address literal and a name that resolves to it) without connecting', async () => {
    const web = createWeb()
    const before = pages.requests.length
    await expectFailure(web.fetchPage(`${pages.url}/article`, signal()), 'refused', /127\.0\.0\.1.*OPTIPROXY_FETCH_ALLOW_HOSTS/)
    await expectFailure(web.fetchPage(`http://localhost:${pages.port}/article`, signal()), 'refused', /localhost/)
    expect(pages.requests.length).toBe(before)
  })

  it('reads an allowed page as its article: boilerplate, scripts and navigation left out; sends its user agent', async () => {
    const web = createWeb({ allowHosts: '127.0.0.1' })
    const page = await web.fetchPage(`${pages.url}/article`, signal())
    expect(page.text).toContain(articleText)
    for (const noise of ['SUBSCRIBE-NAV-LINK', 'FOOTER-BOILERPLATE', 'TRACKING-CODE', 'BUY-NOW-SIDEBAR']) expect(page.text).not.toContain(noise)
    expect(page.title).toMatch(/Quokka facts/)
    expect(page.contentType).toBe('text/html')
    expect(pages.requests.at(-1)?.headers['user-agent']).toMatch(/^optiproxy\//)
  })

  it('follows a redirect to an allowed page, and re-checks every redirect: private, metadata and file targets are refused', async () => {
    const web = createWeb({ allowHosts: '127.0.0.1' })
    const page = await web.fetchPage(`${pages.url}/redirect-to-article`, signal())
    expect(page.finalUrl).toBe(`${pages.url}/article`)
    await expectFailure(web.fetchPage(`${pages.url}/redirect-private`, signal()), 'refused', /10\.0\.0\.1/)
    await expectFailure(web.fetchPage(`${pages.url}/redirect-metadata`, signal()), 'refused', /169\.254\.169\.254/)
    await expectFailure(web.fetchPage(`${pages.url}/redirect-file`, signal()), 'refused', /file:/)
  })

  it('resolves a name once and connects to the address it checked (DNS rebinding gets no second answer)', async () => {
    // a rebinding name: its first answer is the allowed test server, any later answer a private address
    let lookups = 0
    const rebinding: ResolveHost = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }])
    const web = createWeb({ allowHosts: '127.0.0.1/32', resolveHost: rebinding })
    const page = await web.fetchPage(`http://rebind.test:${pages.port}/plain`, signal())
    expect(page.text).toContain('forty-two')
    expect(lookups).toBe(1)

    // the other order: the checked (private) answer is refused and nothing is connected to
    let second = 0
    const privateFirst: ResolveHost = async () => (second++ === 0 ? [{ address: '10.0.0.1', family: 4 }] : [{ address: '127.0.0.1', family: 4 }])
    const guarded = createWeb({ allowHosts: '127.0.0.1/32', resolveHost: privateFirst })
    const before = pages.requests.length
    await expectFailure(guarded.fetchPage(`http://rebind2.test:${pages.port}/plain`, signal()), 'refused', /10\.0\.0\.1 \(private\)/)
    expect(second).toBe(1)
    expect(pages.requests.length).toBe(before)
  })

  it('a host allowed by name may resolve to a private address', async () => {
    const web = createWeb({ allowHosts: 'docs.internal', resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] })
    expect((await web.fetchPage(`http://docs.internal:${pages.port}/plain`, signal())).text).toContain('forty-two')
  })

  it('reads the text of a PDF, and refuses one it cannot parse, clearly', async () => {
    const web = createWeb({ allowHosts: '127.0.0.1' })
    const page = await web.fetchPage(`${pages.url}/paper.pdf`, signal())
    expect(page.contentType).toBe('application/pdf')
    expect(page.text).toBe('Quokkas were first described by Willem de Vlamingh in 1696.')
    await expectFailure(web.fetchPage(`${pages.url}/doc.pdf`, signal()), 'unsupported-type', /could not be read as a PDF/)
    await expectFailure(
      createWeb({ allowHosts: '127.0.0.1', maxBytes: 100 }).fetchPage(`${pages.url}/paper.pdf`, signal()),
      'too-large',
      /PDF larger than 100 bytes/,
    )
  })

  it('cuts a huge page at the size cap, times out a slow page, refuses images, other schemes and HTTP errors clearly', async () => {
    const web = createWeb({ allowHosts: '127.0.0.1', maxBytes: 64 * 1024, timeoutMs: 10_000 })
    const huge = await web.fetchPage(`${pages.url}/huge`, signal())
    expect(huge.truncated).toBe(true)
    expect(huge.text.length).toBeLessThan(64 * 1024)
    await expectFailure(createWeb({ allowHosts: '127.0.0.1', timeoutMs: 300 }).fetchPage(`${pages.url}/slow`, signal()), 'timeout', /300 ms/)
    await expectFailure(web.fetchPage(`${pages.url}/image.png`, signal()), 'unsupported-type', /image\/png/)
    await expectFailure(web.fetchPage(`${pages.url}/missing`, signal()), 'http-status', /404/)
    await expectFailure(web.fetchPage('ftp://127.0.0.1/file', signal()), 'refused', /ftp:/)
    await expectFailure(web.fetchPage(`http://user:secret@127.0.0.1:${pages.port}/plain`, signal()), 'refused', /credentials/)
  })

  it("spends the request's fetch budget, and serves a repeated URL from the cache", async () => {
    const factory = createWebServiceFactory({ allowHosts: '127.0.0.1', timeoutMs: 2_000, maxBytes: 65_536, maxTextChars: 10_000, maxFetchesPerRequest: 2 })
    factories.push(factory)
    const web = factory.forRequest()
    const before = pages.requests.filter((entry) => entry.path === '/plain').length
    await web.fetchPage(`${pages.url}/plain`, signal())
    await web.fetchPage(`${pages.url}/plain`, signal())
    expect(pages.requests.filter((entry) => entry.path === '/plain').length).toBe(before + 1)
    await expectFailure(web.fetchPage(`${pages.url}/article`, signal()), 'budget', /2 pages/)
    // the next request has a budget of its own
    expect((await factory.forRequest().fetchPage(`${pages.url}/article`, signal())).text).toContain(articleText)
  })
})

describe('HTML to text', () => {
  it('falls back to the body text when there is no article, without scripts or styles', async () => {
    const { text } = await convertHtmlToText('<html><body><script>secret()</script><style>p{}</style><p>Short note.</p></body></html>')
    expect(text).toBe('Short note.')
  })
})
