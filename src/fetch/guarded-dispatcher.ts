import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { WebFailure } from '../core/services/web.js'
import { checkAddress, isHostAllowed, type AllowList } from './address-policy.js'

/** Resolves a host name to its addresses (node's dns.lookup with `all: true`, or a test's stand-in). */
export type ResolveHost = (host: string) => Promise<LookupAddress[]>

/** Node's resolver: every address of the name, as the system resolves it. */
export const resolveWithSystem: ResolveHost = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error === null ? resolve(addresses) : reject(error)))
  })

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
export type GuardedLookup = (host: string, options: LookupOptions, callback: LookupCallback) => void

/**
 * The `lookup` of every connection the fetch layer opens: it resolves the host ONCE, checks the addresses, and
 * hands the socket only the first allowed one, so the address that was checked is the address connected to (a
 * name that answers differently on a second lookup, DNS-rebinding style, never gets a second lookup). A host
 * listed by name in the allow list may resolve anywhere. IP literals never reach a lookup: the fetcher checks
 * them before the request.
 * @example const lookup = createGuardedLookup(allowList, resolveWithSystem)
 */
export function createGuardedLookup(allowList: AllowList, resolveHost: ResolveHost): GuardedLookup {
  return (host, options, callback) => {
    resolveHost(host)
      .then((addresses) => {
        const hostAllowed = isHostAllowed(host, allowList)
        const reasons: string[] = []
        const chosen = addresses.find((entry) => {
          const reason = hostAllowed ? undefined : checkAddress(entry.address, allowList)
          if (reason !== undefined) reasons.push(`${entry.address} (${reason})`)
          return reason === undefined
        })
        if (chosen === undefined) {
          const detail = reasons.length === 0 ? 'it has no address' : `it resolves to ${reasons.join(', ')}`
          callback(
            new WebFailure('refused', `Refused to fetch from ${host}: ${detail}; list it in OPTIPROXY_FETCH_ALLOW_HOSTS to allow it.`) as NodeJS.ErrnoException,
            '',
          )
          return
        }
        if (options.all === true) callback(null, [chosen])
        else callback(null, chosen.address, chosen.family)
      })
      .catch((error: unknown) => callback(error as NodeJS.ErrnoException, ''))
  }
}

/**
 * One GET on a fresh connection (no pooling: every connection does its own guarded lookup), resolving with the
 * response head; the body is the returned stream. Node's http/https clients are used directly (not a process-wide
 * fetch dispatcher, which the providers share).
 * @example const response = await sendGuardedGet(new URL('https://example.com'), { lookup, signal, headers })
 */
export function sendGuardedGet(url: URL, options: { lookup: GuardedLookup; signal: AbortSignal; headers: Record<string, string> }): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'GET', headers: options.headers, lookup: options.lookup as never, signal: options.signal, agent: false }, resolve)
    request.on('error', reject)
    request.end()
  })
}
