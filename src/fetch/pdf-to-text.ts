import { WebFailure } from '../core/services/web.js'
import { foldWhitespace } from './html-to-text.js'

/**
 * The text of a PDF (every page, in order) with unpdf (Mozilla's pdf.js, serverless build; loaded on first use).
 * A PDF that cannot be parsed is a WebFailure `unsupported-type` saying so.
 * @example const { text, title } = await convertPdfToText(bytes, 'https://example.com/paper.pdf')
 */
export async function convertPdfToText(bytes: Uint8Array, url: string): Promise<{ title?: string; text: string }> {
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf')
  try {
    // pdf.js wants a plain Uint8Array (not a Buffer), and takes ownership of it
    const document = await getDocumentProxy(new Uint8Array(bytes))
    try {
      const { text } = await extractText(document, { mergePages: true })
      const meta = await getMeta(document).catch(() => undefined)
      const title = typeof meta?.info?.Title === 'string' && meta.info.Title.trim() !== '' ? meta.info.Title.trim() : undefined
      return { ...(title === undefined ? {} : { title }), text: foldWhitespace(text) }
    } finally {
      await document.destroy()
    }
  } catch (error) {
    throw new WebFailure('unsupported-type', `${url} could not be read as a PDF: ${error instanceof Error ? error.message : String(error)}.`, { cause: error })
  }
}
