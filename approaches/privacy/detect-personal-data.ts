import { isIPv6 } from 'node:net'

/** The kinds of personal data the privacy plugin replaces; each becomes a `[KIND_n]` placeholder. */
export type PersonalDataKind = 'EMAIL' | 'IBAN' | 'CARD' | 'NATIONAL_ID' | 'IP' | 'PHONE' | 'PERSON' | 'ORGANIZATION' | 'PLACE'

export interface PersonalDataMatch {
  readonly kind: PersonalDataKind
  readonly start: number
  readonly end: number
  readonly value: string
}

/**
 * Luhn checksum of a card number's digits.
 * @example passesLuhn('4111111111111111') // true
 */
export function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48
    if (index % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

/**
 * ISO 13616 IBAN check: the country and check digits moved to the end, letters as numbers, mod 97 equals 1.
 * @example passesIbanCheck('DE89370400440532013000') // true
 */
export function passesIbanCheck(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase()
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false
  const rearranged = compact.slice(4) + compact.slice(0, 4)
  let remainder = 0
  for (const character of rearranged) {
    const value = character >= 'A' ? String(character.charCodeAt(0) - 55) : character
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97
  }
  return remainder === 1
}

interface PatternDetector {
  kind: PersonalDataKind
  pattern: RegExp
  accept?: (value: string) => boolean
}

/** E.164 numbers have at most 15 digits; fewer than 7 is not a phone number. */
const isPhoneLength = (digits: number): boolean => digits >= 7 && digits <= 15

const usSocialSecurity = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/

/** In order: an earlier detector's match wins over an overlapping later one. Every quantifier is bounded. */
const patternDetectors: PatternDetector[] = [
  { kind: 'EMAIL', pattern: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g },
  { kind: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, accept: passesIbanCheck },
  { kind: 'CARD', pattern: /\b\d(?:[ -]?\d){12,18}\b/g, accept: (value) => passesLuhn(value.replace(/[ -]/g, '')) },
  { kind: 'NATIONAL_ID', pattern: /\b\d{3}-\d{2}-\d{4}\b/g, accept: (value) => usSocialSecurity.test(value) },
  // UK National Insurance number
  { kind: 'NATIONAL_ID', pattern: /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g },
  { kind: 'IP', pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b/g },
  {
    kind: 'IP',
    pattern: /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])/g,
    accept: (value) => isIPv6(value) && value.replace(/:/g, '').length >= 2,
  },
  {
    kind: 'PHONE',
    pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?!\w)/g,
    accept: (value) => isPhoneLength(value.replace(/\D/g, '').length) && /[ .()+-]/.test(value),
  },
]

let nlp: typeof import('compromise').default | undefined

/**
 * Loads the name tagger (compromise, several MiB) on first use rather than at start-up: call it before
 * detectPersonalData.
 * @example await loadNameTagger(); detectPersonalData('Ada Lovelace wrote it')
 */
export async function loadNameTagger(): Promise<void> {
  nlp ??= (await import('compromise')).default
}

/** The names compromise finds, without trailing punctuation, longest first. */
function findNames(text: string): Array<{ kind: PersonalDataKind; value: string }> {
  if (nlp === undefined) throw new Error('detectPersonalData needs loadNameTagger() first')
  const document = nlp(text)
  const found = [
    ...document
      .people()
      .out('array')
      .map((value: string) => ({ kind: 'PERSON' as const, value })),
    ...document
      .organizations()
      .out('array')
      .map((value: string) => ({ kind: 'ORGANIZATION' as const, value })),
    ...document
      .places()
      .out('array')
      .map((value: string) => ({ kind: 'PLACE' as const, value })),
  ]
  return found
    .map((entry) => ({ ...entry, value: entry.value.replace(/^[\s"'([]+|[\s"'.,;:!?)\]]+$/g, '') }))
    .filter((entry) => entry.value.length >= 2 && !/^\[[A-Z_]+\d+\]$/.test(entry.value) && !entry.value.includes('['))
    .sort((left, right) => right.value.length - left.value.length)
}

/**
 * Every piece of personal data in a text: pattern detectors (with checksums where the format has one) first,
 * then person, organisation and place names found by compromise (a named-entity tagger), each occurrence of a
 * name matched. Matches do not overlap and are in text order.
 * @example detectPersonalData('Mail bob@example.com') // [{ kind: 'EMAIL', start: 5, end: 20, value: 'bob@example.com' }]
 */
export function detectPersonalData(text: string): PersonalDataMatch[] {
  const matches: PersonalDataMatch[] = []
  const overlaps = (start: number, end: number): boolean => matches.some((match) => start < match.end && end > match.start)
  for (const detector of patternDetectors) {
    for (const found of text.matchAll(detector.pattern)) {
      const value = found[0]
      const start = found.index
      const end = start + value.length
      if (detector.accept !== undefined && !detector.accept(value)) continue
      if (!overlaps(start, end)) matches.push({ kind: detector.kind, start, end, value })
    }
  }
  for (const name of findNames(text)) {
    let from = 0
    for (;;) {
      const start = text.indexOf(name.value, from)
      if (start < 0) break
      const end = start + name.value.length
      from = end
      if (!overlaps(start, end)) matches.push({ kind: name.kind, start, end, value: name.value })
    }
  }
  return matches.sort((left, right) => left.start - right.start)
}
