import { Registry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import { createApproachServices } from '../../src/approach-runtime/approach-services.js'
import { loadConfig } from '../../src/config.js'

const signal = new AbortController().signal
// the ceilings as an operator sets them, read by loadConfig and handed to the services as app.ts does
const config = loadConfig(['--python-timeout-ms', '600', '--python-memory-mb', '96'], { OPTIPROXY_SOLVER_TIMEOUT_MS: '500' })
const managed = createApproachServices(new Registry(), undefined, {
  pythonTimeoutMs: config.pythonTimeoutMs,
  pythonMemoryMb: config.pythonMemoryMb,
  solverTimeoutMs: config.solverTimeoutMs,
})
const { sandbox, solver } = managed.services
afterAll(() => managed.close())

describe('the sandbox and solver ceilings from the settings reach the workers', () => {
  it('--python-timeout-ms caps a run that asks for more', async () => {
    const run = await sandbox?.runPython('while True:\n    pass', { timeoutMs: 5_000 }, signal)
    expect(run?.status).toBe('timeout')
    expect(run?.error).toBe('stopped at the 600 ms time limit')
  }, 60_000)

  it('--python-memory-mb caps the interpreter: 128 MiB at once is a MemoryError under a 96 MiB ceiling', async () => {
    const run = await sandbox?.runPython('block = bytearray(128 * 1024 * 1024)\nprint(len(block))', {}, signal)
    expect(run?.status).toBe('memory-limit')
    expect(run?.error).toContain('MemoryError')
    expect((await sandbox?.runPython('print(len(bytearray(16 * 1024 * 1024)))', {}, signal))?.stdout).toBe('16777216\n')
  }, 60_000)

  it('--solver-timeout-ms caps a solve that asks for more', async () => {
    const hard =
      '(declare-const x Int)(declare-const y Int)(declare-const z Int)(assert (> x 0))(assert (> y 0))(assert (> z 0))(assert (= (+ (* x x x) (* y y y)) (* z z z)))(check-sat)'
    const run = await solver?.solveSmtLib(hard, { timeoutMs: 5_000 }, signal)
    expect(run?.status).toBe('timeout')
    expect(run?.error).toMatch(/500 ms/)
  }, 60_000)
})
