/**
 * Running Python for plugins (`executecode`, `coc`), as an interface: the runtime injects the implementation
 * (src/sandbox/, Pyodide in a locked-down worker thread). An approach never starts an interpreter itself.
 */

/** Per-run limits; the sandbox's configured limits are ceilings a run may lower but not raise. */
export interface PythonLimits {
  /** Wall-clock limit: the worker is terminated when it is reached. */
  readonly timeoutMs?: number
  /** Cap on captured stdout plus stderr, in bytes (UTF-16 code units); the run stops when it is reached. */
  readonly maxOutputBytes?: number
}

/**
 * How a run ended: `ok`; `error` (the code raised: `error` holds the traceback's last lines); `timeout` (the
 * worker was terminated at the wall-clock limit); `memory-limit` (the interpreter's memory reached its cap);
 * `output-limit` (the output reached its cap and the run was stopped); `unavailable` (the sandbox could not start).
 */
export type PythonRunStatus = 'ok' | 'error' | 'timeout' | 'memory-limit' | 'output-limit' | 'unavailable'

export interface PythonRun {
  readonly status: PythonRunStatus
  /** Captured standard output (capped). */
  readonly stdout: string
  /** Captured standard error (capped). */
  readonly stderr: string
  /** The repr of the last expression's value when the code ends with an expression (like a REPL). */
  readonly result?: string
  /** The exception (type and message) or the limit that ended the run. */
  readonly error?: string
  /** The line of the failing statement, counted from 1, when the code raised. */
  readonly errorLine?: number
  readonly durationMs: number
}

/**
 * @example const run = await context.sandbox?.runPython('print(2**100)', { timeoutMs: 2000 }, context.signal)
 */
export interface PythonSandbox {
  /** Runs code in a fresh interpreter state; never throws for the code's own failures (they are a status). */
  runPython(code: string, limits: PythonLimits, signal: AbortSignal): Promise<PythonRun>
}
