/** One piece of a long text, with where it came from. */
export interface TextChunk {
  /** Its position among all chunks, from 0. */
  readonly index: number
  /** The source it was cut from (a URL, `question`). */
  readonly source: string
  readonly text: string
}

/**
 * Cuts a text into chunks of at most `size` characters with `overlap` characters repeated between neighbours,
 * ending each chunk at the last paragraph, line or sentence break in its second half when there is one. The same
 * text always gives the same chunks (linear time).
 * @example chunkText('question', longText, 2000, 200)
 */
export function chunkText(source: string, text: string, size: number, overlap: number, firstIndex = 0): TextChunk[] {
  const chunks: TextChunk[] = []
  let start = 0
  while (start < text.length) {
    let end = Math.min(text.length, start + size)
    if (end < text.length) {
      const window = text.slice(start + Math.floor(size / 2), end)
      const cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'), window.lastIndexOf('. '))
      if (cut >= 0) end = start + Math.floor(size / 2) + cut + 1
    }
    const piece = text.slice(start, end).trim()
    if (piece !== '') chunks.push({ index: firstIndex + chunks.length, source, text: piece })
    if (end >= text.length) break
    start = Math.max(end - overlap, start + 1)
  }
  return chunks
}
