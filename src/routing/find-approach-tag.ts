const openTag = '<optillm_approach>'
const closeTag = '</optillm_approach>'

/** Where an approach tag sits in a text, and the slug inside it (trimmed). */
export interface ApproachTagMatch {
  slug: string
  /** The text with the tag (and its slug) removed, trimmed. */
  rest: string
}

/**
 * Finds the first `<optillm_approach>slug</optillm_approach>` in a text, in linear time: each character is looked
 * at a bounded number of times whatever the input (a regex with lazy and greedy parts around a literal took
 * cubic time on an opening tag followed by thousands of spaces). The slug may not contain `<`.
 * @example findApproachTag('<optillm_approach>moa</optillm_approach> Be brief.') // { slug: 'moa', rest: 'Be brief.' }
 */
export function findApproachTag(text: string): ApproachTagMatch | undefined {
  let from = 0
  for (;;) {
    const open = text.indexOf(openTag, from)
    if (open === -1) return undefined
    const inner = open + openTag.length
    // the slug runs to the next '<': the closing tag must start there, or this opening tag has none
    const next = text.indexOf('<', inner)
    if (next === -1) return undefined
    if (text.startsWith(closeTag, next)) {
      return { slug: text.slice(inner, next).trim(), rest: (text.slice(0, open) + text.slice(next + closeTag.length)).trim() }
    }
    from = next
  }
}
