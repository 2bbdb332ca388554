import type { PythonRun } from '../../src/core/services/sandbox.js'

/** The longest text scanned for code blocks, and the longest block run. */
const maxScannedChars = 200_000
const maxBlockChars = 20_000

/**
 * The Python code blocks of a text (fenced with ```python, ```py or a bare ``` whose body looks like Python), in
 * order, at most `limit`. Linear in the text's length.
 * @example readPythonBlocks('Run ```python\nprint(1)\n```', 3) // ['print(1)']
 */
export function readPythonBlocks(text: string, limit: number): string[] {
  const blocks: string[] = []
  const scanned = text.slice(0, maxScannedChars)
  let position = 0
  while (blocks.length < limit) {
    const open = scanned.indexOf('```', position)
    if (open < 0) break
    const lineEnd = scanned.indexOf('\n', open)
    if (lineEnd < 0) break
    const language = scanned
      .slice(open + 3, lineEnd)
      .trim()
      .toLowerCase()
    const close = scanned.indexOf('```', lineEnd + 1)
    if (close < 0) break
    const body = scanned.slice(lineEnd + 1, close).replace(/\s+$/, '')
    position = close + 3
    if (language !== 'python' && language !== 'py' && language !== 'python3' && language !== '') continue
    if (body.length === 0 || body.length > maxBlockChars) continue
    blocks.push(body)
  }
  return blocks
}

/**
 * A run as the model reads it: the status, the output, the value of the last expression, the error.
 * @example describePythonRun(run) // 'Status: ok (12 ms)\nOutput:\n42'
 */
export function describePythonRun(run: PythonRun): string {
  const lines = [`Status: ${run.status} (${run.durationMs} ms)`]
  if (run.stdout !== '') lines.push(`Output:\n${run.stdout.trimEnd()}`)
  if (run.stderr !== '') lines.push(`Standard error:\n${run.stderr.trimEnd()}`)
  if (run.result !== undefined) lines.push(`Value of the last expression: ${run.result}`)
  if (run.error !== undefined) lines.push(`Error${run.errorLine === undefined ? '' : ` (line ${run.errorLine})`}: ${run.error}`)
  if (run.status === 'ok' && run.stdout === '' && run.result === undefined) lines.push('The code printed nothing.')
  return lines.join('\n')
}

/**
 * The trace note of a run: one line, with the limit that stopped it when one did.
 * @example noteRun(run, 1) // '[python] block 1: timeout after 5003 ms (stopped at the 5000 ms time limit)'
 */
export function noteRun(run: PythonRun, block: number): string {
  return `[python] block ${block}: ${run.status} after ${run.durationMs} ms${run.error === undefined ? '' : ` (${run.error.split('\n')[0]?.slice(0, 200)})`}\n`
}
