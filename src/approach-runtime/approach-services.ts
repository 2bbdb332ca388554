import { Counter, type Registry } from 'prom-client'
import type { PythonLimits, PythonSandbox } from '../core/services/sandbox.js'
import type { ConstraintSolver } from '../core/services/solver.js'
import type { RunPlanInput } from './run-plan.js'
import { createPythonSandbox, type ManagedPythonSandbox } from '../sandbox/create-python-sandbox.js'
import { createZ3Solver, type ManagedConstraintSolver } from '../solver/create-z3-solver.js'
import type { StrategyStore } from '../core/services/strategy-store.js'
import { loadIoredis } from '../load-redis-modules.js'
import { createMemoryStrategyStore, createRedisStrategyStore } from '../strategies/create-strategy-store.js'

/** The operator's ceilings for the sandbox and the solver (the settings); unset: the code defaults. */
export interface ApproachServiceLimits {
  pythonTimeoutMs?: number
  pythonMemoryMb?: number
  solverTimeoutMs?: number
}

export interface ManagedApproachServices {
  services: Pick<NonNullable<RunPlanInput['services']>, 'sandbox' | 'solver' | 'metrics' | 'strategies'>
  /** The `spl` strategies (also listed by the admin endpoint). */
  strategies: StrategyStore
  /** Shutdown: ends the strategy store's Redis connection and the sandbox and solver workers that were started. */
  close(): Promise<void>
}

/**
 * The capabilities the runtime gives approaches: a Python sandbox and a Z3 solver that start their worker on
 * first use (a proxy whose requests never use executecode, coc or z3 starts none), and the router's counter in
 * the app's metrics registry, and the `spl` strategy store: in Redis (shared by instances) when `redisUrl` is set,
 * else in memory. `close` (at shutdown) ends the Redis connection and the workers.
 * `ceilings` are the operator's sandbox and solver ceilings (approach options may only lower them).
 * @example const { services } = createApproachServices(operations.metrics.registry, { redisKeyPrefix: 'optiproxy:' }, { pythonTimeoutMs: 10_000 })
 */
export function createApproachServices(
  registry: Registry,
  storage: { redisUrl?: string; redisKeyPrefix: string } = { redisKeyPrefix: 'optiproxy:' },
  ceilings: ApproachServiceLimits = {},
): ManagedApproachServices {
  // their workers are unref'd: they never keep the process alive at shutdown
  let sandbox: ManagedPythonSandbox | undefined
  let solver: ManagedConstraintSolver | undefined
  const routerChoices = new Counter({
    name: 'optiproxy_router_choices_total',
    help: 'Requests the router plugin routed, by category, chosen approach and method (classifier|rules)',
    labelNames: ['category', 'approach', 'method'],
    registers: [registry],
  })
  const lazySandbox: PythonSandbox = {
    runPython: (code: string, limits: PythonLimits, signal: AbortSignal) =>
      (sandbox ??= createPythonSandbox({
        ...(ceilings.pythonTimeoutMs === undefined ? {} : { timeoutMs: ceilings.pythonTimeoutMs }),
        ...(ceilings.pythonMemoryMb === undefined ? {} : { maxMemoryBytes: ceilings.pythonMemoryMb * 1024 * 1024 }),
      })).runPython(code, limits, signal),
  }
  const lazySolver: ConstraintSolver = {
    solveSmtLib: (script, limits, signal) =>
      (solver ??= createZ3Solver(ceilings.solverTimeoutMs === undefined ? {} : { timeoutMs: ceilings.solverTimeoutMs })).solveSmtLib(script, limits, signal),
  }
  const redisStrategies =
    storage.redisUrl === undefined
      ? undefined
      : createRedisStrategyStore(new (loadIoredis().Redis)(storage.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true }), storage.redisKeyPrefix)
  const strategies = redisStrategies ?? createMemoryStrategyStore()
  return {
    strategies,
    async close() {
      await Promise.all([redisStrategies?.close(), sandbox?.close(), solver?.close()])
    },
    services: {
      strategies,
      sandbox: lazySandbox,
      solver: lazySolver,
      metrics: { countRouterChoice: (category, approach, method) => routerChoices.inc({ category, approach, method }) },
    },
  }
}
