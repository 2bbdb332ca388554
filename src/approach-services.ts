import { Counter, type Registry } from 'prom-client'
import type { PythonLimits, PythonSandbox } from './core/services/sandbox.js'
import type { ConstraintSolver } from './core/services/solver.js'
import type { RunPlanInput } from './approach-runtime/run-plan.js'
import { createPythonSandbox, type ManagedPythonSandbox } from './sandbox/create-python-sandbox.js'
import { createZ3Solver, type ManagedConstraintSolver } from './solver/create-z3-solver.js'

export interface ManagedApproachServices {
  services: NonNullable<RunPlanInput['services']>
}

/**
 * The capabilities the runtime gives approaches: a Python sandbox and a Z3 solver that start their worker on
 * first use (a proxy whose requests never use executecode, coc or z3 starts none), and the router's counter in
 * the app's metrics registry.
 * @example const { services, close } = createApproachServices(operations.metrics.registry)
 */
export function createApproachServices(registry: Registry): ManagedApproachServices {
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
    runPython: (code: string, limits: PythonLimits, signal: AbortSignal) => (sandbox ??= createPythonSandbox()).runPython(code, limits, signal),
  }
  const lazySolver: ConstraintSolver = {
    solveSmtLib: (script, limits, signal) => (solver ??= createZ3Solver()).solveSmtLib(script, limits, signal),
  }
  return {
    services: {
      sandbox: lazySandbox,
      solver: lazySolver,
      metrics: { countRouterChoice: (category, approach, method) => routerChoices.inc({ category, approach, method }) },
    },
  }
}
