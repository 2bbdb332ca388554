import ipaddr from 'ipaddr.js'

/**
 * Which addresses the proxy may fetch from. Only public unicast addresses by default: private, loopback,
 * link-local (cloud metadata at 169.254.169.254 included), unique-local, carrier-grade NAT, multicast, reserved
 * and the IPv6 translation ranges are refused. `OPTIPROXY_FETCH_ALLOW_HOSTS` lists exceptions: host names
 * (`docs.internal`, or `.internal` for every subdomain) and addresses or CIDRs (`10.1.0.0/16`, `127.0.0.1`).
 */
export interface AllowList {
  readonly hosts: ReadonlySet<string>
  /** Entries `.example.com`: the domain and its subdomains. */
  readonly suffixes: readonly string[]
  readonly ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>
}

export const emptyAllowList: AllowList = { hosts: new Set(), suffixes: [], ranges: [] }

/**
 * Parses the comma list of hosts and CIDRs. Throws naming an entry that is neither.
 * @example parseAllowList('127.0.0.1/32, docs.internal') // { hosts: {'docs.internal'}, ranges: [[127.0.0.1, 32]] }
 */
export function parseAllowList(value: string | undefined): AllowList {
  const hosts = new Set<string>()
  const suffixes: string[] = []
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = []
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry.includes('/')) {
      try {
        ranges.push(normalizeRange(ipaddr.parseCIDR(entry)))
      } catch {
        throw new Error(`'${entry}' is not a valid CIDR`)
      }
    } else if (ipaddr.isValid(entry)) {
      const address = normalizeAddress(ipaddr.parse(entry))
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128])
    } else if (/^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(entry)) {
      if (entry.startsWith('.')) suffixes.push(entry)
      else hosts.add(entry)
    } else {
      throw new Error(`'${entry}' is neither a host name nor an address or CIDR`)
    }
  }
  return { hosts, suffixes, ranges }
}

/**
 * True when the host name itself is listed (then any address it resolves to is allowed).
 * @example isHostAllowed('docs.internal', allowList)
 */
export function isHostAllowed(host: string, allowList: AllowList): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  if (allowList.hosts.has(name)) return true
  return allowList.suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1))
}

/**
 * Why an address is refused, or undefined when it may be fetched from.
 * @example checkAddress('169.254.169.254', emptyAllowList) // 'linkLocal'
 */
export function checkAddress(text: string, allowList: AllowList): string | undefined {
  if (!ipaddr.isValid(text)) return 'not an address'
  const address = normalizeAddress(ipaddr.parse(text))
  for (const [base, bits] of allowList.ranges) {
    if (base.kind() === address.kind() && address.match(base as never, bits)) return undefined
  }
  const range = address.range()
  return range === 'unicast' ? undefined : range
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries. */
function normalizeAddress(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address()
  return address
}

function normalizeRange([address, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
  return [address, bits]
}
