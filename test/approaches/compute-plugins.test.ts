import { afterAll, describe, expect, it } from 'vitest'
import { createPythonSandbox } from '../../src/sandbox/create-python-sandbox.js'
import { createZ3Solver } from '../../src/solver/create-z3-solver.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

const sandbox = createPythonSandbox({ maxRunsPerWorker: 100 })
const solver = createZ3Solver()
afterAll(async () => {
  await sandbox.close()
  await solver.close()
})
const services = { sandbox, solver }

describe('executecode', () => {
  it('runs the code block of the question and answers with its output in front of the model: 1 call', async () => {
    const provider = createScriptedProvider(() => 'The total is 123456789 * 987654321 = 121932631112635269.')
    const run = await runApproachDirectly(provider, {
      approach: 'executecode',
      services,
      question: 'What does this print?\n```python\nprint(123456789 * 987654321)\n```',
    })
    expect(provider.calls).toHaveLength(1)
    expect(provider.calls[0]?.lastText).toContain('treat the printed results as correct'.replace('treat', 'Treat'))
    const sent = JSON.stringify(provider.calls[0]?.request.messages)
    expect(sent).toContain('121932631112635269')
    expect(run.result.choices[0]?.reasoning).toContain('[python] block 1: ok')
  }, 60_000)

  it('the model writes a program when the question has none: 2 calls, the computed value reaches the answer step', async () => {
    const provider = createScriptedProvider((call) =>
      call.index === 0
        ? 'Sure:\n```python\nprint(sum(i * i for i in range(1, 101)))\n```'
        : call.lastText.includes('Python programs')
          ? 'The sum of squares is 338350.'
          : 'unexpected',
    )
    const run = await runApproachDirectly(provider, {
      approach: 'executecode',
      services,
      question: 'What is the sum of the squares of 1..100?',
      streaming: true,
    })
    expect(provider.calls.map((call) => call.kind)).toEqual(['generate', 'stream'])
    expect(provider.calls[0]?.request.temperature).toBe(0)
    expect(JSON.stringify(provider.calls[1]?.request.messages)).toContain('338350')
    expect(run.result.choices[0]?.text).toBe('The sum of squares is 338350.')
  }, 60_000)

  it('a run that hits a limit is reported to the model and traced; NO_CODE answers plainly; no sandbox answers plainly', async () => {
    const looping = createScriptedProvider((call) => (call.index === 0 ? '```python\nwhile True:\n    pass\n```' : 'I could not compute it.'))
    const run = await runApproachDirectly(looping, { approach: 'executecode', services, question: 'Loop?', optiproxy: { executecode: { timeout_ms: 500 } } })
    expect(run.result.choices[0]?.reasoning).toContain('timeout')
    expect(JSON.stringify(looping.calls[1]?.request.messages)).toContain('Status: timeout')
    const declining = createScriptedProvider((call) => (call.index === 0 ? 'NO_CODE' : 'Paris.'))
    const plain = await runApproachDirectly(declining, { approach: 'executecode', services, question: 'Capital of France?' })
    expect(declining.calls).toHaveLength(2)
    expect(declining.calls[1]?.lastText).toBe('Capital of France?')
    expect(plain.result.choices[0]?.text).toBe('Paris.')
    const without = createScriptedProvider(() => 'answer')
    const bare = await runApproachDirectly(without, { approach: 'executecode', question: '```python\nprint(1)\n```' })
    expect(without.calls).toHaveLength(1)
    expect(bare.result.choices[0]?.reasoning).toContain('no Python sandbox')
  }, 60_000)

  it('as a pipeline stage (executecode&moa) its runs become sources of the next stage', async () => {
    const provider = createScriptedProvider((call) => (call.index === 0 ? '```python\nprint(2**64)\n```' : 'ok'))
    await runApproachDirectly(provider, { approach: 'executecode&re2', services, question: 'What is 2^64?' })
    expect(provider.calls).toHaveLength(2)
    expect(JSON.stringify(provider.calls[1]?.request.messages)).toContain('18446744073709551616')
  }, 60_000)
})

describe('z3', () => {
  it('formulation, solver sat, answer grounded on the model: 2 calls', async () => {
    const provider = createScriptedProvider((call) =>
      call.index === 0
        ? '```smt2\n(declare-const a Int)(declare-const b Int)(assert (= (+ a b) 12))(assert (= (- a b) 4))(check-sat)(get-value (a b))\n```'
        : 'a = 8 and b = 4.',
    )
    const run = await runApproachDirectly(provider, { approach: 'z3', services, question: 'Two numbers sum to 12 and differ by 4. What are they?' })
    expect(provider.calls).toHaveLength(2)
    expect(provider.calls[1]?.lastText).toContain('Solver status: sat')
    expect(provider.calls[1]?.lastText).toContain('(a 8)')
    expect(run.result.choices[0]?.text).toBe('a = 8 and b = 4.')
    expect(run.result.choices[0]?.reasoning).toContain('[z3] attempt 1: sat')
  }, 60_000)

  it('unsat is reported; a rejected script is repaired once', async () => {
    const provider = createScriptedProvider((call) =>
      call.index === 0
        ? '```smt2\n(declare-const x Int)(assert (> x\n```'
        : call.index === 1
          ? '```smt2\n(declare-const x Int)(assert (> x 2))(assert (< x 1))(check-sat)\n```'
          : 'No such number exists.',
    )
    const run = await runApproachDirectly(provider, { approach: 'z3', services, question: 'Find x > 2 with x < 1.' })
    expect(provider.calls).toHaveLength(3)
    expect(provider.calls[1]?.lastText).toContain('Z3 rejected that script')
    expect(provider.calls[2]?.lastText).toContain('Solver status: unsat')
    expect(run.result.choices[0]?.reasoning).toContain('attempt 2: unsat')
  }, 60_000)
})

describe('coc', () => {
  it('program with a semantic step: the failing line is simulated, the program re-runs, the answer uses its output', async () => {
    const program =
      '```python\nfruits = ["apple", "tomato", "carrot"]\ncount = 0\nis_fruit = is_a_fruit_list(fruits)\nfor flag in is_fruit:\n    count += 1 if flag else 0\nprint(count)\n```'
    const provider = createScriptedProvider((call) => {
      if (call.index === 0) return program
      if (call.lastText.includes('Simulate that line')) return '```python\nis_fruit = [True, True, False]\n```'
      return 'Two of them are fruits.\nAnswer: 2'
    })
    const run = await runApproachDirectly(provider, { approach: 'coc', services, question: 'How many of apple, tomato, carrot are fruits?' })
    expect(provider.calls.map((call) => call.lastText.includes('Simulate that line'))).toEqual([false, true, false])
    expect(provider.calls[1]?.lastText).toContain('Line 3: is_fruit = is_a_fruit_list(fruits)')
    expect(provider.calls[2]?.lastText).toContain('Output:\n2')
    expect(provider.calls[2]?.lastText).toContain('is_fruit = [True, True, False]')
    expect(run.result.choices[0]?.text).toBe('Two of them are fruits.\nAnswer: 2')
    expect(run.result.choices[0]?.reasoning).toContain('[coc] final answer: 2')
  }, 60_000)

  it('simulations are bounded: after max_simulations the failure goes to the answer step', async () => {
    const provider = createScriptedProvider((call) =>
      call.index === 0
        ? '```python\nx = unknown_a()\n```'
        : call.lastText.includes('Simulate that line')
          ? '```python\nx = still_unknown()\n```'
          : 'Answer: unknown',
    )
    await runApproachDirectly(provider, { approach: 'coc', services, optiproxy: { coc: { max_simulations: 1 } } })
    expect(provider.calls).toHaveLength(3)
    expect(provider.calls[2]?.lastText).toContain('Status: error')
  }, 60_000)
})
