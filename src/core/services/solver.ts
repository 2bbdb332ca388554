/**
 * A constraint solver for plugins (`z3`), as an interface: the runtime injects the implementation (src/solver/, the
 * official z3-solver package, Z3 compiled to WebAssembly, in a worker thread). An approach never loads Z3 itself.
 */

/** `sat`/`unsat`/`unknown` as Z3 reports them; `timeout` (stopped at the wall-clock limit); `error` (the input was rejected). */
export type SolverStatus = 'sat' | 'unsat' | 'unknown' | 'timeout' | 'error' | 'unavailable'

export interface SolverRun {
  readonly status: SolverStatus
  /** Everything Z3 printed for the script (check-sat answers, the model, values), capped. */
  readonly output: string
  /** Why the run failed (parse error, limit), when it did. */
  readonly error?: string
  readonly durationMs: number
}

/**
 * @example const run = await context.solver?.solveSmtLib('(declare-const x Int)(assert (> x 2))(check-sat)(get-model)', { timeoutMs: 2000 }, signal)
 */
export interface ConstraintSolver {
  /** Runs an SMT-LIB 2 script in a fresh solver; never throws for the script's own failures (they are a status). */
  solveSmtLib(script: string, limits: { readonly timeoutMs?: number }, signal: AbortSignal): Promise<SolverRun>
}
