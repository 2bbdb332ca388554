import { afterAll, describe, expect, it } from 'vitest'
import { createZ3Solver } from '../../src/solver/create-z3-solver.js'

const signal = new AbortController().signal
const solver = createZ3Solver({ timeoutMs: 1_000 })
afterAll(() => solver.close())

describe('z3 solver', () => {
  it('sat: the model satisfies every constraint', async () => {
    const run = await solver.solveSmtLib(
      '(declare-const x Int)(declare-const y Int)(assert (= (+ x y) 10))(assert (> x 7))(assert (> y 1))(check-sat)(get-value (x y))',
      {},
      signal,
    )
    expect(run.status).toBe('sat')
    expect(run.output).toContain('(x 8)')
    expect(run.output).toContain('(y 2)')
  }, 60_000)

  it('unsat: contradictory constraints', async () => {
    const run = await solver.solveSmtLib('(declare-const x Int)(assert (> x 1))(assert (< x 0))(check-sat)', {}, signal)
    expect(run.status).toBe('unsat')
  }, 60_000)

  it('a script Z3 rejects is an error with its message', async () => {
    const run = await solver.solveSmtLib('(declare-const x Int)(assert (> x', {}, signal)
    expect(run.status).toBe('error')
    expect(run.error).toContain('error')
  }, 60_000)

  it('timeout: a search that does not end is stopped at the limit, and the next run works', async () => {
    const hard =
      '(declare-const x Int)(declare-const y Int)(declare-const z Int)(assert (> x 0))(assert (> y 0))(assert (> z 0))(assert (= (+ (* x x x) (* y y y)) (* z z z)))(check-sat)'
    const run = await solver.solveSmtLib(hard, { timeoutMs: 500 }, signal)
    expect(run.status, JSON.stringify(run)).toBe('timeout')
    expect(run.durationMs).toBeLessThan(500 + 1_500)
    expect((await solver.solveSmtLib('(declare-const x Int)(assert (= x 3))(check-sat)', {}, signal)).status).toBe('sat')
  }, 60_000)
})
