/**
 * The JSON value of a model's reply: the whole reply, else the body of its first ``` fence, else the text from
 * its first `{` or `[` to the matching last `}` or `]`. Undefined when none parses.
 * @example readJsonReply('Here it is:\n```json\n{"a": 1}\n```') // { value: { a: 1 } }
 */
export function readJsonReply(reply: string): { value: unknown } | undefined {
  const candidates: string[] = [reply.trim()]
  const fenceStart = reply.indexOf('```')
  if (fenceStart >= 0) {
    const bodyStart = reply.indexOf('\n', fenceStart)
    const fenceEnd = bodyStart < 0 ? -1 : reply.indexOf('```', bodyStart)
    if (fenceEnd > bodyStart) candidates.push(reply.slice(bodyStart + 1, fenceEnd).trim())
  }
  const objectStart = reply.search(/[{[]/)
  if (objectStart >= 0) {
    const closing = reply[objectStart] === '{' ? '}' : ']'
    const objectEnd = reply.lastIndexOf(closing)
    if (objectEnd > objectStart) candidates.push(reply.slice(objectStart, objectEnd + 1))
  }
  for (const candidate of candidates) {
    try {
      return { value: JSON.parse(candidate) as unknown }
    } catch {
      // the next candidate
    }
  }
  return undefined
}
