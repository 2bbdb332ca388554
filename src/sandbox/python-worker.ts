/**
 * The sandbox worker: loads Pyodide from node_modules (offline), locks the thread down, then runs the code it is
 * sent, each run in a fresh namespace, capturing capped output. Started by create-python-sandbox.ts.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadPyodide, type PyodideAPI } from 'pyodide'
import { capWebAssemblyMemory, lockDownWorker } from './lock-down-worker.js'
import type { PythonRun } from '../core/services/sandbox.js'

export interface PythonWorkerData {
  indexURL: string
  maxMemoryBytes: number
}

export interface PythonWorkerRequest {
  code: string
  maxOutputBytes: number
}

export type PythonWorkerMessage = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'done'; run: PythonRun }

/** Our own runner: executes the module, then evaluates a trailing expression and returns its repr. */
const runnerSource = `
import ast as _ast
def run_source(source):
    namespace = {'__name__': '__main__', '__builtins__': __builtins__}
    tree = _ast.parse(source, '<code>')
    last = None
    if tree.body and isinstance(tree.body[-1], _ast.Expr):
        last = _ast.Expression(tree.body.pop().value)
    exec(compile(tree, '<code>', 'exec'), namespace)
    if last is not None:
        value = eval(compile(last, '<code>', 'eval'), namespace)
        if value is not None:
            return repr(value)
    return None
`

class OutputLimitError extends Error {}

function readPythonError(error: unknown): { error: string; errorLine?: number } {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text.trim().split('\n')
  const lineMatches = [...text.matchAll(/File "<code>", line (\d+)/g)]
  const last = lineMatches.at(-1)
  return { error: (lines.at(-1) ?? text).slice(0, 2000), ...(last === undefined ? {} : { errorLine: Number(last[1]) }) }
}

async function startWorker(): Promise<void> {
  const port = parentPort
  if (port === null) return
  const data = workerData as PythonWorkerData
  const memory = capWebAssemblyMemory(data.maxMemoryBytes)
  let pyodide: PyodideAPI
  let runSource: (code: string) => unknown
  try {
    pyodide = await loadPyodide({ indexURL: data.indexURL, jsglobals: Object.create(null) as object, env: {}, stdin: () => null })
    const runner = pyodide.toPy({})
    pyodide.runPython(runnerSource, { globals: runner })
    runSource = runner.get('run_source')
    await lockDownWorker()
  } catch (error) {
    port.postMessage({ type: 'failed', error: error instanceof Error ? error.message : String(error) } satisfies PythonWorkerMessage)
    return
  }
  port.on('message', (request: PythonWorkerRequest) => {
    const started = performance.now()
    memory.reset()
    let stdout = ''
    let stderr = ''
    let overflow = false
    const decoderOut = new TextDecoder()
    const decoderErr = new TextDecoder()
    const capture =
      (stream: 'out' | 'err') =>
      (bytes: Uint8Array): number => {
        const text = (stream === 'out' ? decoderOut : decoderErr).decode(bytes, { stream: true })
        const room = request.maxOutputBytes - stdout.length - stderr.length
        if (text.length > room) {
          if (stream === 'out') stdout += text.slice(0, Math.max(0, room))
          else stderr += text.slice(0, Math.max(0, room))
          overflow = true
          throw new OutputLimitError('sandbox output limit reached')
        }
        if (stream === 'out') stdout += text
        else stderr += text
        return bytes.length
      }
    pyodide.setStdout({ write: capture('out') })
    pyodide.setStderr({ write: capture('err') })
    let run: PythonRun
    try {
      const result = runSource(request.code) as string | undefined
      run = {
        status: overflow ? 'output-limit' : 'ok',
        stdout,
        stderr,
        ...(typeof result === 'string' ? { result: result.slice(0, request.maxOutputBytes) } : {}),
        durationMs: 0,
      }
    } catch (error) {
      const status = overflow ? 'output-limit' : memory.refused() ? 'memory-limit' : 'error'
      run = { status, stdout, stderr, ...readPythonError(error), durationMs: 0 }
    }
    port.postMessage({ type: 'done', run: { ...run, durationMs: Math.round(performance.now() - started) } } satisfies PythonWorkerMessage)
  })
  port.postMessage({ type: 'ready' } satisfies PythonWorkerMessage)
}

await startWorker()
