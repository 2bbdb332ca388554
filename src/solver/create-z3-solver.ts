import { Worker } from 'node:worker_threads'
import type { ConstraintSolver, SolverRun, SolverStatus } from '../core/services/solver.js'
import { resolveWorkerEntry } from '../workers/resolve-worker-entry.js'
import type { Z3WorkerMessage, Z3WorkerRequest } from './z3-worker.js'

export interface Z3SolverSettings {
  /** Ceiling of a run's time: Z3's own timeout, and the worker is terminated shortly after it. */
  timeoutMs: number
  /** Ceiling of an SMT-LIB script's length. */
  maxScriptChars: number
  /** Ceiling of the output kept. */
  maxOutputChars: number
  /** Ceiling of the worker's JavaScript heap, in MiB. */
  maxHeapMb: number
}

export const defaultZ3SolverSettings: Z3SolverSettings = { timeoutMs: 5_000, maxScriptChars: 20_000, maxOutputChars: 20_000, maxHeapMb: 256 }

export interface ManagedConstraintSolver extends ConstraintSolver {
  close(): Promise<void>
}

/** Extra time past Z3's own timeout before the worker is terminated. */
const terminationGraceMs = 1_000
const startupTimeoutMs = 60_000

/** The first check-sat answer in Z3's output decides the status. */
function readStatus(output: string): SolverStatus {
  const match = /^(sat|unsat|unknown)\s*$/m.exec(output)
  if (match === null) return /\(error /.test(output) ? 'error' : 'unknown'
  return match[1] as SolverStatus
}

/**
 * The Z3 solver in a worker thread: one worker kept for successive runs (a fresh Z3 context each), replaced after a
 * run that reached the wall-clock limit.
 * @example const solver = createZ3Solver(); const run = await solver.solveSmtLib('(declare-const x Int)(assert (> x 1))(check-sat)', {}, signal)
 */
export function createZ3Solver(settings: Partial<Z3SolverSettings> = {}): ManagedConstraintSolver {
  const resolved: Z3SolverSettings = { ...defaultZ3SolverSettings, ...settings }
  const entry = resolveWorkerEntry(import.meta.url, './z3-worker')
  let current: { worker: Worker; ready: Promise<string | undefined>; exited: boolean } | undefined
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false

  const spawn = (): NonNullable<typeof current> => {
    const worker = new Worker(entry.source, {
      eval: entry.eval,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: resolved.maxHeapMb },
    })
    worker.unref()
    worker.stdout.resume()
    worker.stderr.resume()
    const state = { worker, exited: false, ready: Promise.resolve<string | undefined>(undefined) }
    state.ready = new Promise((resolve) => {
      const timer = setTimeout(() => resolve('the solver did not start in time'), startupTimeoutMs)
      worker.once('message', (message: Z3WorkerMessage) => {
        clearTimeout(timer)
        resolve(message.type === 'ready' ? undefined : message.type === 'failed' ? message.error : 'unexpected message')
      })
      worker.on('error', () => undefined)
      worker.once('exit', () => {
        state.exited = true
        clearTimeout(timer)
        resolve('the solver worker stopped')
      })
    })
    return state
  }

  const runOnce = async (script: string, limits: { timeoutMs?: number }, signal: AbortSignal): Promise<SolverRun> => {
    if (closed) return { status: 'unavailable', output: '', error: 'the solver is closed', durationMs: 0 }
    if (script.length > resolved.maxScriptChars)
      return { status: 'error', output: '', error: `the script is longer than ${resolved.maxScriptChars} characters`, durationMs: 0 }
    if (current === undefined || current.exited) current = spawn()
    const state = current
    const failure = await state.ready
    if (failure !== undefined) {
      current = undefined
      void state.worker.terminate()
      return { status: 'unavailable', output: '', error: failure, durationMs: 0 }
    }
    signal.throwIfAborted()
    const timeoutMs = Math.min(limits.timeoutMs ?? resolved.timeoutMs, resolved.timeoutMs)
    const started = performance.now()
    const outcome = await new Promise<Extract<Z3WorkerMessage, { type: 'done' }> | 'timeout' | 'aborted' | 'stopped'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs + terminationGraceMs)
      const abort = (): void => resolve('aborted')
      signal.addEventListener('abort', abort, { once: true })
      const onMessage = (message: Z3WorkerMessage): void => settle(message.type === 'done' ? message : 'stopped')
      const onExit = (): void => settle('stopped')
      const settle = (value: Extract<Z3WorkerMessage, { type: 'done' }> | 'stopped'): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', abort)
        state.worker.off('message', onMessage)
        state.worker.off('exit', onExit)
        resolve(value)
      }
      state.worker.on('message', onMessage)
      state.worker.on('exit', onExit)
      state.worker.postMessage({ script, timeoutMs, maxOutputChars: resolved.maxOutputChars } satisfies Z3WorkerRequest)
    })
    const durationMs = Math.round(performance.now() - started)
    if (typeof outcome === 'string') {
      current = undefined
      void state.worker.terminate()
      if (outcome === 'aborted') throw signal.reason
      if (outcome === 'timeout') return { status: 'timeout', output: '', error: `stopped at the ${timeoutMs} ms time limit`, durationMs }
      return { status: 'error', output: '', error: 'the solver worker stopped', durationMs }
    }
    if (outcome.error !== undefined) return { status: 'error', output: outcome.output, error: outcome.error, durationMs }
    const status = readStatus(outcome.output)
    // Z3 answers `unknown` when its own timeout cut the search short
    const timedOut = status === 'unknown' && durationMs >= timeoutMs * 0.9
    return {
      status: timedOut ? 'timeout' : status,
      output: outcome.output,
      ...(status === 'error' ? { error: outcome.output.slice(0, 500) } : timedOut ? { error: `Z3 stopped at the ${timeoutMs} ms limit` } : {}),
      durationMs,
    }
  }

  return {
    solveSmtLib(script, limits, signal) {
      const run = queue.then(() => runOnce(script, limits, signal))
      queue = run.catch(() => undefined)
      return run
    },
    async close() {
      closed = true
      const state = current
      current = undefined
      if (state !== undefined) await state.worker.terminate()
    },
  }
}
