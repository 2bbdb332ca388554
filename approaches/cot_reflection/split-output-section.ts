/** What a chunk of a tagged reply becomes: text outside `<output>` (the thinking) or inside it (the answer). */
export interface SplitChunk {
  thinking: string
  output: string
}

const open = '<output>'
const close = '</output>'

/**
 * Splits a reply streamed in arbitrary chunks into the part inside `<output>...</output>` and the rest,
 * as the chunks arrive (a tag cut across chunks is held back until it is complete).
 * @example const split = createOutputSplitter(); split.push('<thinking>x</thinking><out'); split.push('put>42</output>')
 */
export function createOutputSplitter(): { push(chunk: string): SplitChunk; end(): SplitChunk; readonly sawOutput: boolean } {
  let state: 'before' | 'inside' | 'after' = 'before'
  let held = ''
  let sawOutput = false
  const push = (chunk: string): SplitChunk => {
    let text = held + chunk
    held = ''
    const result: SplitChunk = { thinking: '', output: '' }
    for (;;) {
      if (state === 'after') {
        result.thinking += text
        return result
      }
      const tag = state === 'before' ? open : close
      const at = text.indexOf(tag)
      if (at >= 0) {
        if (state === 'before') result.thinking += text.slice(0, at)
        else result.output += text.slice(0, at)
        text = text.slice(at + tag.length)
        if (state === 'before') sawOutput = true
        state = state === 'before' ? 'inside' : 'after'
        continue
      }
      // keep back a suffix that may be the start of the tag
      let keep = 0
      for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
        if (tag.startsWith(text.slice(text.length - length))) {
          keep = length
          break
        }
      }
      held = text.slice(text.length - keep)
      const emitted = text.slice(0, text.length - keep)
      if (state === 'before') result.thinking += emitted
      else result.output += emitted
      return result
    }
  }
  return {
    push,
    end() {
      const rest = held
      held = ''
      return state === 'inside' ? { thinking: '', output: rest } : { thinking: rest, output: '' }
    },
    get sawOutput() {
      return sawOutput
    },
  }
}
