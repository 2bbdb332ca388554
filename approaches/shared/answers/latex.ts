/**
 * LaTeX as models write it in answers, reduced to plain text: `\frac{1}{2}` to `1/2`, `\text{cm}` to `cm`, spacing
 * commands dropped. Every function scans its input once (braces matched by a counter), so it runs in linear time on
 * any text.
 */

/**
 * The contents of the brace group that opens at `open` (which must be `{`) and the index after its closing brace;
 * undefined when the group never closes.
 * @example readBraceGroup('\\boxed{a{b}c} x', 6) // { content: 'a{b}c', end: 13 }
 */
export function readBraceGroup(text: string, open: number): { content: string; end: number } | undefined {
  if (text[open] !== '{') return undefined
  let depth = 0
  for (let index = open; index < text.length; index++) {
    const char = text[index]
    if (char === '\\') {
      index++
      continue
    }
    if (char === '{') depth++
    else if (char === '}') {
      depth--
      if (depth === 0) return { content: text.slice(open + 1, index), end: index + 1 }
    }
  }
  return undefined
}

/** Commands whose one argument is kept as it is. */
const unwrapped = new Set(['text', 'textbf', 'textit', 'mathrm', 'mathbf', 'mathit', 'mbox', 'operatorname', 'boxed', 'fbox', 'displaystyle', 'textnormal'])
/** Commands dropped with no replacement (spacing and sizing). */
const dropped = new Set(['left', 'right', 'big', 'Big', 'bigl', 'bigr', 'displaystyle', 'quad', 'qquad', 'limits', 'textstyle'])
/** Commands replaced by a plain equivalent. */
const replaced: Record<string, string> = {
  cdot: '*',
  times: '*',
  div: '/',
  pi: 'pi',
  infty: 'inf',
  circ: '',
  degree: '',
  le: '<=',
  leq: '<=',
  ge: '>=',
  geq: '>=',
  neq: '!=',
  pm: '+-',
}
const fractions = new Set(['frac', 'dfrac', 'tfrac', 'cfrac'])

/** One argument of a command: a brace group, else a single character (as in `\frac12`). */
function readArgument(text: string, at: number): { content: string; end: number } | undefined {
  let index = at
  while (text[index] === ' ') index++
  if (text[index] === '{') return readBraceGroup(text, index)
  const char = text[index]
  return char === undefined ? undefined : { content: char, end: index + 1 }
}

/**
 * Plain text for a LaTeX fragment: fractions become `a/b` (parenthesised when not a plain number), `\text{x}` and
 * similar become `x`, `\%` `\$` become `%` `$`, `^\circ` and spacing commands disappear, `\sqrt{2}` becomes `sqrt(2)`.
 * @example flattenLatex('\\dfrac{3}{4}\\text{ cm}') // '3/4 cm'
 */
export function flattenLatex(input: string): string {
  let out = ''
  let index = 0
  const text = input
  while (index < text.length) {
    const char = text[index] as string
    if (char !== '\\') {
      if (char === '^' && text.startsWith('{\\circ}', index + 1)) {
        index += 8
        continue
      }
      if (char === '^' && text.startsWith('\\circ', index + 1)) {
        index += 6
        continue
      }
      out += char === '{' || char === '}' ? '' : char
      index++
      continue
    }
    const next = text[index + 1]
    if (next === undefined) break
    if (!/[A-Za-z]/.test(next)) {
      // \% \$ \{ \} keep the character; \, \! \; \: \  are spacing
      out += ',!;: '.includes(next) ? '' : next === '\\' ? ' ' : next
      index += 2
      continue
    }
    let end = index + 1
    while (end < text.length && /[A-Za-z]/.test(text[end] as string)) end++
    const name = text.slice(index + 1, end)
    if (fractions.has(name)) {
      const numerator = readArgument(text, end)
      const denominator = numerator === undefined ? undefined : readArgument(text, numerator.end)
      if (numerator !== undefined && denominator !== undefined) {
        out += `${wrapOperand(flattenLatex(numerator.content))}/${wrapOperand(flattenLatex(denominator.content))}`
        index = denominator.end
        continue
      }
    }
    if (name === 'sqrt') {
      const radicand = readArgument(text, end)
      if (radicand !== undefined) {
        out += `sqrt(${flattenLatex(radicand.content)})`
        index = radicand.end
        continue
      }
    }
    if (unwrapped.has(name) && text[end] === '{') {
      const group = readBraceGroup(text, end)
      if (group !== undefined) {
        out += flattenLatex(group.content)
        index = group.end
        continue
      }
    }
    if (!dropped.has(name)) out += replaced[name] ?? name
    index = end
  }
  return out
}

const wrapOperand = (text: string): string => (/^-?[\d.]+$/.test(text.trim()) ? text.trim() : `(${text.trim()})`)
