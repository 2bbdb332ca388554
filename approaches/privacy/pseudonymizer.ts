import { detectPersonalData } from './detect-personal-data.js'

/** `[EMAIL_1]`, `[PERSON_12]`: the longest placeholder is this long. */
const maxPlaceholderLength = 20
const placeholderPattern = /\[(EMAIL|IBAN|CARD|NATIONAL_ID|IP|PHONE|PERSON|ORGANIZATION|PLACE)_(\d{1,5})\]/g
/** More distinct values than this in one request are all replaced, with one shared placeholder per kind past it. */
const maxDistinctValues = 10_000

export interface Pseudonymizer {
  /** The text with every piece of personal data replaced by its placeholder (the same value, the same placeholder). */
  mask(text: string): string
  /** The text with every known placeholder replaced by its value. */
  restore(text: string): string
  /** A restorer for text that arrives in pieces: a placeholder split across pieces is restored whole. */
  createStreamRestorer(): { push(piece: string): string; end(): string }
  /** How many values were replaced, by kind. */
  counts(): Record<string, number>
}

/**
 * One request's placeholders: values found by `mask` are kept only in this object, never sent upstream.
 * @example const pseudonymizer = createPseudonymizer(); pseudonymizer.mask('Call +1 415 555 0100') // 'Call [PHONE_1]'
 */
export function createPseudonymizer(): Pseudonymizer {
  const placeholderByValue = new Map<string, string>()
  const valueByPlaceholder = new Map<string, string>()
  const perKind = new Map<string, number>()
  const placeholderFor = (kind: string, value: string): string => {
    const known = placeholderByValue.get(`${kind}\u0000${value}`)
    if (known !== undefined) return known
    const next = Math.min((perKind.get(kind) ?? 0) + 1, maxDistinctValues)
    perKind.set(kind, next)
    const placeholder = `[${kind}_${next}]`
    placeholderByValue.set(`${kind}\u0000${value}`, placeholder)
    if (!valueByPlaceholder.has(placeholder)) valueByPlaceholder.set(placeholder, value)
    return placeholder
  }
  const restore = (text: string): string => text.replace(placeholderPattern, (placeholder) => valueByPlaceholder.get(placeholder) ?? placeholder)
  return {
    mask(text) {
      const matches = detectPersonalData(text)
      if (matches.length === 0) return text
      let masked = ''
      let position = 0
      for (const match of matches) {
        masked += text.slice(position, match.start) + placeholderFor(match.kind, match.value)
        position = match.end
      }
      return masked + text.slice(position)
    },
    restore,
    createStreamRestorer() {
      let held = ''
      return {
        push(piece) {
          const text = held + piece
          // hold back a trailing `[` that may open a placeholder still arriving
          const open = text.lastIndexOf('[')
          const holdFrom = open >= 0 && !text.includes(']', open) && text.length - open < maxPlaceholderLength ? open : text.length
          held = text.slice(holdFrom)
          return restore(text.slice(0, holdFrom))
        },
        end() {
          const rest = restore(held)
          held = ''
          return rest
        },
      }
    },
    counts: () => Object.fromEntries(perKind),
  }
}
