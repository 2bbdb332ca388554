import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { PythonLimits, PythonRun, PythonSandbox } from '../core/services/sandbox.js'
import { resolveWorkerEntry } from '../workers/resolve-worker-entry.js'
import type { PythonWorkerData, PythonWorkerMessage, PythonWorkerRequest } from './python-worker.js'

export interface PythonSandboxSettings {
  /** Wall-clock ceiling per run; the worker is terminated when it is reached. */
  timeoutMs: number
  /** Ceiling of the interpreter's WebAssembly memory. */
  maxMemoryBytes: number
  /** Ceiling of captured stdout plus stderr per run. */
  maxOutputBytes: number
  /** Runs one worker serves before it is replaced; 1 (the default) gives every run a fresh interpreter. */
  maxRunsPerWorker: number
  /** Ceiling of the worker's JavaScript heap (resourceLimits), in MiB. */
  maxHeapMb: number
}

export const defaultPythonSandboxSettings: PythonSandboxSettings = {
  timeoutMs: 5_000,
  maxMemoryBytes: 256 * 1024 * 1024,
  maxOutputBytes: 64 * 1024,
  maxRunsPerWorker: 1,
  maxHeapMb: 256,
}

export interface ManagedPythonSandbox extends PythonSandbox {
  /** Terminates the workers; runs still waiting end `unavailable`. */
  close(): Promise<void>
}

interface WarmWorker {
  worker: Worker
  ready: Promise<boolean>
  runs: number
  failure?: string
  /** Set when the worker ended (a fatal interpreter error, an out-of-memory stop, a startup failure). */
  exited?: string
}

const startupTimeoutMs = 60_000

function resolvePyodideDirectory(): string {
  const require = createRequire(import.meta.url)
  return `${dirname(require.resolve('pyodide/package.json'))}${join('/')}`
}

/**
 * The Python sandbox: Pyodide (CPython in WebAssembly, loaded offline from node_modules) in a worker thread that
 * is locked down (no network, no host filesystem, no processes), with a wall-clock limit that terminates the worker,
 * a WebAssembly memory cap, a JavaScript heap cap and an output cap. One worker is kept warm for the next run.
 * @example const sandbox = createPythonSandbox(); const run = await sandbox.runPython('print(6*7)', {}, signal)
 */
export function createPythonSandbox(settings: Partial<PythonSandboxSettings> = {}): ManagedPythonSandbox {
  const resolved: PythonSandboxSettings = { ...defaultPythonSandboxSettings, ...settings }
  const entry = resolveWorkerEntry(import.meta.url, './python-worker')
  const indexURL = resolvePyodideDirectory()
  let warm: WarmWorker | undefined
  let closed = false
  let queue: Promise<unknown> = Promise.resolve()

  const spawn = (): WarmWorker => {
    const worker = new Worker(entry.source, {
      eval: entry.eval,
      workerData: { indexURL, maxMemoryBytes: resolved.maxMemoryBytes } satisfies PythonWorkerData,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: resolved.maxHeapMb, maxYoungGenerationSizeMb: 32 },
    })
    // the worker's own console output is dropped: everything the code prints is captured through Pyodide
    worker.unref()
    worker.stdout.resume()
    worker.stderr.resume()
    const entryState: WarmWorker = { worker, runs: 0, ready: Promise.resolve(false) }
    entryState.ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        entryState.failure = 'the sandbox did not start in time'
        void worker.terminate()
        resolve(false)
      }, startupTimeoutMs)
      const finish = (ok: boolean, failure?: string): void => {
        clearTimeout(timer)
        if (failure !== undefined) entryState.failure = failure
        resolve(ok)
      }
      worker.once('message', (message: PythonWorkerMessage) => finish(message.type === 'ready', message.type === 'failed' ? message.error : undefined))
      worker.on('error', (error: Error & { code?: string }) => {
        entryState.exited =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? 'the sandbox worker ran out of memory and was stopped'
            : `the interpreter stopped: ${String(error?.message ?? error).slice(0, 300)}`
        finish(false, entryState.exited)
      })
      worker.once('exit', () => {
        entryState.exited ??= 'the sandbox worker stopped'
        finish(false, entryState.exited)
      })
    })
    return entryState
  }

  const takeWorker = (): WarmWorker => {
    const current = warm !== undefined && warm.exited === undefined ? warm : spawn()
    warm = current
    return current
  }

  const retire = (entryState: WarmWorker): void => {
    if (warm === entryState) warm = undefined
    void entryState.worker.terminate()
    if (!closed) warm = spawn()
  }

  const runOnce = async (code: string, limits: PythonLimits, signal: AbortSignal): Promise<PythonRun> => {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    if (closed) return { status: 'unavailable', stdout: '', stderr: '', error: 'the sandbox is closed', durationMs: 0 }
    const current = takeWorker()
    if (!(await current.ready)) {
      const failure = current.failure ?? 'the sandbox could not start'
      retire(current)
      return { status: 'unavailable', stdout: '', stderr: '', error: failure, durationMs: elapsed() }
    }
    signal.throwIfAborted()
    const runStarted = performance.now()
    const timeoutMs = Math.min(limits.timeoutMs ?? resolved.timeoutMs, resolved.timeoutMs)
    const maxOutputBytes = Math.min(limits.maxOutputBytes ?? resolved.maxOutputBytes, resolved.maxOutputBytes)
    current.runs++
    const outcome = await new Promise<PythonRun | 'timeout' | 'aborted' | 'stopped'>((resolve) => {
      const timer = setTimeout(() => {
        cleanUp()
        resolve('timeout')
      }, timeoutMs)
      const abort = (): void => {
        cleanUp()
        resolve('aborted')
      }
      signal.addEventListener('abort', abort, { once: true })
      const onMessage = (message: PythonWorkerMessage): void => {
        cleanUp()
        resolve(message.type === 'done' ? message.run : 'stopped')
      }
      const onExit = (): void => {
        cleanUp()
        resolve('stopped')
      }
      const cleanUp = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', abort)
        current.worker.off('message', onMessage)
        current.worker.off('exit', onExit)
      }
      current.worker.on('message', onMessage)
      current.worker.on('exit', onExit)
      current.worker.postMessage({ code, maxOutputBytes } satisfies PythonWorkerRequest)
    })
    if (typeof outcome !== 'string') {
      // a run that hit a limit or touched a removed capability may leave the interpreter unusable: a fresh one follows
      const damaged = outcome.status !== 'ok' && (outcome.status !== 'error' || (outcome.error ?? '').includes('not available in the sandbox'))
      if (current.runs >= resolved.maxRunsPerWorker || damaged) retire(current)
      return outcome
    }
    retire(current)
    if (outcome === 'aborted') throw signal.reason
    if (outcome === 'timeout')
      return {
        status: 'timeout',
        stdout: '',
        stderr: '',
        error: `stopped at the ${timeoutMs} ms time limit`,
        durationMs: Math.round(performance.now() - runStarted),
      }
    const reason = current.exited ?? 'the sandbox worker stopped'
    return { status: reason.includes('out of memory') ? 'memory-limit' : 'error', stdout: '', stderr: '', error: reason, durationMs: elapsed() }
  }

  return {
    runPython(code, limits, signal) {
      // one run at a time per worker: runs queue in arrival order
      const run = queue.then(() => runOnce(code, limits, signal))
      queue = run.catch(() => undefined)
      return run
    },
    async close() {
      closed = true
      const current = warm
      warm = undefined
      if (current !== undefined) await current.worker.terminate()
    },
  }
}
