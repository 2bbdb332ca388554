const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** Longest answer tail searched for a letter; answers are bounded before any pattern runs. */
const maxSearchedChars = 20_000

/**
 * Reads the letter a model chose among `choices`. `finalAnswer` (the project's extraction of the final answer, when
 * the caller has it) comes first: a letter, or one choice's text. Then the patterns: `\boxed{B}`, "answer is (B)",
 * "Answer: B", "the correct option is B", a line that is only the letter (bold or bracketed), a reply that is
 * exactly one choice's text. The last statement wins; letters past the choices are ignored. Every pattern is linear
 * (no nested quantifiers) on a bounded tail of the text.
 * @example readChoiceLetter('Both are false, so the answer is (C).', ['x', 'y', 'z']) // 'C'
 */
export function readChoiceLetter(text: string, choices: string[], finalAnswer?: string): string | undefined {
  const tail = text.slice(-maxSearchedChars)
  const allowed = letters.slice(0, choices.length)
  const valid = (letter: string | undefined): string | undefined => {
    const upper = letter?.toUpperCase()
    return upper !== undefined && upper.length === 1 && allowed.includes(upper) ? upper : undefined
  }
  if (finalAnswer !== undefined) {
    const bare = finalAnswer.trim().replace(/^[(*\s]+|[)*.\s]+$/g, '')
    const byLetter = valid(bare.length === 1 ? bare : undefined)
    if (byLetter !== undefined) return byLetter
    const byText = choices.flatMap((choice, index) => (choice.trim().toLowerCase() === bare.toLowerCase() ? [index] : []))
    if (byText.length === 1) return letters[byText[0] as number]
  }
  const patterns = [
    /\\boxed\{\s*\(?([A-Za-z])\)?\s*\}/g,
    /(?:[Aa]nswer|[Oo]ption|[Cc]hoice)(?: is|:)[\s*(]*(?:(?:[Oo]ption|[Cc]hoice)[\s*(]*)?([A-Z])\b/g,
    /^[ \t>*_]*\(?([A-Za-z])\)?[.):]?[ \t*_]*$/gm,
  ]
  for (const pattern of patterns) {
    const letter = valid([...tail.matchAll(pattern)].at(-1)?.[1])
    if (letter !== undefined) return letter
  }
  const trimmed = tail.trim().replace(/[.!]$/, '').toLowerCase()
  const matching = choices.flatMap((choice, index) => (choice.trim().toLowerCase() === trimmed ? [index] : []))
  if (matching.length === 1) return letters[matching[0] as number]
  // "(B)" or "B." standing alone as the last such mark in the text
  return valid([...tail.matchAll(/\(([A-Z])\)|\b([A-Z])\.(?=\s|$)/g)].map((match) => match[1] ?? match[2]).at(-1))
}
