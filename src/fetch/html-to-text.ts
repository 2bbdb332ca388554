/**
 * The readable text of an HTML page: the article as Mozilla's Readability finds it (navigation, ads, footers and
 * scripts left out), else the body's text. Whitespace is folded; paragraphs stay apart.
 * @example convertHtmlToText('<html><body><nav>Menu</nav><article><p>Story</p></article></body></html>') // { text: 'Story', ... }
 */
export async function convertHtmlToText(html: string): Promise<{ title?: string; text: string }> {
  // the DOM and Readability load on the first page, not at start-up
  const [{ Readability }, { parseHTML }] = await Promise.all([import('@mozilla/readability'), import('linkedom')])
  const { document } = parseHTML(html)
  const title = document.title?.trim() || undefined
  let text: string | undefined
  let articleTitle: string | undefined
  try {
    const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100 }).parse()
    text = article?.textContent ?? undefined
    articleTitle = article?.title?.trim() || undefined
  } catch {
    text = undefined
  }
  if (text === undefined || text.trim() === '') {
    for (const node of document.querySelectorAll('script, style, noscript, template')) node.remove()
    text = document.body?.textContent ?? document.documentElement?.textContent ?? ''
  }
  const resolvedTitle = articleTitle ?? title
  return { ...(resolvedTitle === undefined ? {} : { title: resolvedTitle }), text: foldWhitespace(text ?? '') }
}

/**
 * Spaces and tabs folded to one space, blank-line runs to one blank line, ends trimmed (linear time).
 * @example foldWhitespace('a  b\n\n\n c') // 'a b\n\nc'
 */
export function foldWhitespace(text: string): string {
  return text
    .replace(/[ \t\f\v\r\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
