/**
 * Splits a base64 `data:` URL into its media type and data; undefined for anything else (http URLs included).
 * @example parseDataUrl('data:image/png;base64,iVBOR...') // { mediaType: 'image/png', data: 'iVBOR...' }
 */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^;,]+)*;base64,(.*)$/s.exec(url)
  if (match === null) return undefined
  return { mediaType: (match[1] as string).toLowerCase(), data: match[2] as string }
}
