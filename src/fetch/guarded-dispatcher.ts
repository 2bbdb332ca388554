import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { Agent } from 'undici'
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

/**
 * An undici Agent whose every connection resolves its host ONCE, checks the addresses, and connects to the first
 * allowed one: the address that was checked is the address connected to (a name that answers differently on a
 * second lookup, DNS-rebinding style, never gets a second lookup). A host listed by name in the allow list may
 * resolve anywhere. IP literals never reach the lookup: the fetcher checks them before the request.
 * @example const agent = createGuardedAgent(allowList, resolveWithSystem, 10_000)
 */
export function createGuardedAgent(allowList: AllowList, resolveHost: ResolveHost, connectTimeoutMs: number): Agent {
  const lookup = (host: string, options: LookupOptions, callback: LookupCallback): void => {
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
          callback(new WebFailure('refused', `Refused to fetch from ${host}: ${detail}; list it in OPTIPROXY_FETCH_ALLOW_HOSTS to allow it.`) as NodeJS.ErrnoException, '')
          return
        }
        if (options.all === true) callback(null, [chosen])
        else callback(null, chosen.address, chosen.family)
      })
      .catch((error: unknown) => callback(error as NodeJS.ErrnoException, ''))
  }
  return new Agent({ connect: { lookup: lookup as never, timeout: connectTimeoutMs }, connections: 16, keepAliveTimeout: 4_000 })
}
