import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { runEvalCommand } from '../../src/eval/eval-command.js'
import { DatasetError } from '../../src/eval/read-dataset.js'
import type { ItemResult } from '../../src/eval/item-result.js'
import type { SummaryRow } from '../../src/eval/summarize-results.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'
import { buildArithmeticLines, startSimulatedUpstream, type SimulatedUpstream } from '../helpers/simulated-eval-upstream.js'

interface Results {
  summary: SummaryRow[]
  items: ItemResult[]
  comparisons: Array<{ approach: string; model: string; p_value: number; paired: number }>
  judge?: { model: string; calls: number; tokens: { prompt: number; completion: number } }
  interrupted: boolean
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((entry) => entry.close()))
})

async function writeDataset(lines: string[], name = 'data.jsonl'): Promise<{ file: string; out: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'optiproxy-eval-'))
  const file = join(folder, name)
  await writeFile(file, `${lines.join('\n')}\n`)
  return { file, out: join(folder, 'out') }
}

function captureOutput(): { stream: Writable; text(): string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  return { stream, text: () => text }
}

async function runEval(argv: string[], options: { stop?: AbortSignal; env?: NodeJS.ProcessEnv } = {}) {
  const output = captureOutput()
  const result = await runEvalCommand(argv, {
    env: options.env ?? {},
    stdout: output.stream,
    stderr: process.stderr,
    stop: options.stop ?? new AbortController().signal,
    progress: false,
  })
  return { ...result, output: output.text() }
}

const readResults = async (out: string): Promise<Results> => JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results

async function startSimulation(accuracy: number, seed: number): Promise<SimulatedUpstream> {
  const simulation = await startSimulatedUpstream(accuracy, seed)
  open.push(simulation)
  return simulation
}

describe('optiproxy eval end to end (mock upstream as a model of known accuracy)', () => {
  it('in-process: accuracy is the fraction correct and within its interval; calls and tokens equal what the mock logged', async () => {
    const simulation = await startSimulation(0.7, 11)
    const { file, out } = await writeDataset(buildArithmeticLines(200))
    const { exitCode, output } = await runEval(
      ['--data', file, '--models', 'gpt-4o-mini', '--approaches', 'none', '--out', out, '--concurrency', '16', '--openai-base-url', simulation.upstream.url],
      { env: { OPENAI_API_KEY: 'sk-test' } },
    )
    expect(exitCode).toBe(0)
    const results = await readResults(out)
    const [row] = results.summary
    expect(results.summary).toHaveLength(1)
    expect(row).toMatchObject({ approach: 'none', model: 'gpt-4o-mini', items: 200, errors: 0, calls_per_item: 1 })
    // the graded fraction is exactly what the mock answered right, and the true accuracy lies in the interval
    expect(row?.correct).toBe(simulation.log.right)
    expect(row?.accuracy).toBe(simulation.log.right / 200)
    expect(results.items.filter((item) => item.correct)).toHaveLength(simulation.log.right)
    expect(row?.ci_low).toBeLessThan(0.7)
    expect(row?.ci_high).toBeGreaterThan(0.7)
    // calls and tokens: what the mock logged
    expect(results.items.reduce((sum, item) => sum + item.calls, 0)).toBe(simulation.upstream.requests.length)
    expect(results.items.reduce((sum, item) => sum + item.tokens.prompt, 0)).toBe(simulation.log.promptTokens)
    expect(results.items.reduce((sum, item) => sum + item.tokens.completion, 0)).toBe(simulation.log.completionTokens)
    expect(row?.tokens_per_item.completion).toBe(6)
    expect(row?.cost_per_item).toBeCloseTo((simulation.log.promptTokens * 0.15 + simulation.log.completionTokens * 0.6) / 1e6 / 200, 12)
    // the exact field lists of the issue
    expect(Object.keys(row as object).sort()).toEqual(
      [
        'accuracy',
        'approach',
        'calls_per_item',
        'ci_high',
        'ci_low',
        'correct',
        'cost_per_item',
        'errors',
        'items',
        'latency_ms_p50',
        'latency_ms_p95',
        'model',
        'tokens_per_item',
      ].sort(),
    )
    expect(Object.keys(results.items[0] as object).sort()).toEqual(
      ['answer', 'approach', 'calls', 'correct', 'error', 'expected', 'extracted', 'id', 'latency_ms', 'model', 'tokens'].sort(),
    )
    expect(results.items[0]).toMatchObject({ id: 'q0', expected: '0', answer: expect.stringMatching(/^Let me compute\. The answer is \d+\.$/) })
    expect(output).toContain('| none | gpt-4o-mini |')
  })

  it('several approaches and models: per-approach calls, the paired comparison with none, unknown prices report tokens only', async () => {
    const simulation = await startSimulation(0.6, 5)
    const { file, out } = await writeDataset(buildArithmeticLines(40))
    const { exitCode } = await runEval(
      [
        '--data',
        file,
        '--models',
        'gpt-4o-mini,my-local-model',
        '--approaches',
        'none,self_consistency',
        '--out',
        out,
        '--openai-base-url',
        simulation.upstream.url,
      ],
      { env: { OPENAI_API_KEY: 'sk-test' } },
    )
    expect(exitCode).toBe(0)
    const results = await readResults(out)
    expect(results.summary.map((row) => [row.approach, row.model, row.items, row.calls_per_item])).toEqual([
      ['none', 'gpt-4o-mini', 40, 1],
      ['self_consistency', 'gpt-4o-mini', 40, 5],
      ['none', 'my-local-model', 40, 1],
      ['self_consistency', 'my-local-model', 40, 5],
    ])
    expect(results.summary.find((row) => row.model === 'my-local-model')?.cost_per_item).toBeNull()
    expect(results.items.reduce((sum, item) => sum + item.calls, 0)).toBe(simulation.upstream.requests.length)
    expect(results.items.reduce((sum, item) => sum + item.tokens.prompt, 0)).toBe(simulation.log.promptTokens)
    expect(simulation.log.byModel.get('my-local-model')).toBe(40 * 6)
    expect(results.comparisons.map((row) => [row.approach, row.model, row.paired])).toEqual([
      ['self_consistency', 'gpt-4o-mini', 40],
      ['self_consistency', 'my-local-model', 40],
    ])
    const markdown = await readFile(join(out, 'report.md'), 'utf8')
    expect(markdown).toContain('## Difference from `none`')
    expect(markdown).toMatch(/\| self_consistency \| gpt-4o-mini \| [+-]\d+\.\d pts \| 40 \|/)
    expect(markdown).toContain('| self_consistency | my-local-model | ')
    expect(markdown).toMatch(/\| n\/a \|/)
  })

  it('--base-url drives a running proxy over HTTP with the same figures', async () => {
    const simulation = await startSimulation(0.65, 3)
    const proxy: ProxyUnderTest = await startProxyUnderTest({
      openaiBaseUrl: simulation.upstream.url,
      openaiApiKey: 'sk-upstream',
      proxyApiKey: 'sk-proxy-key',
    })
    open.push(proxy)
    const { file, out } = await writeDataset(buildArithmeticLines(30))
    const { exitCode } = await runEval(
      ['--data', file, '--models', 'gpt-4o-mini', '--approaches', 'none,majority_voting', '--out', out, '--base-url', proxy.baseURL],
      { env: { OPTIPROXY_API_KEY: 'sk-proxy-key' } },
    )
    expect(exitCode).toBe(0)
    const results = await readResults(out)
    expect(results.summary.map((row) => row.errors)).toEqual([0, 0])
    expect(
      results.items.filter((item) => item.approach === 'none' && item.correct).length +
        results.items.filter((item) => item.approach === 'majority_voting').length,
    ).toBeGreaterThan(0)
    expect(results.items.reduce((sum, item) => sum + item.calls, 0)).toBe(simulation.upstream.requests.length)
    expect(results.items.reduce((sum, item) => sum + item.tokens.prompt, 0)).toBe(simulation.log.promptTokens)
    expect(results.items.reduce((sum, item) => sum + item.tokens.completion, 0)).toBe(simulation.log.completionTokens)
    // a wrong key: every row is an error with the proxy's message, none correct
    const denied = await runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', `${out}-denied`, '--base-url', proxy.baseURL], {
      env: { OPTIPROXY_API_KEY: 'sk-wrong-key' },
    })
    const deniedResults = await readResults(`${out}-denied`)
    expect(denied.exitCode).toBe(0)
    expect(deniedResults.summary[0]).toMatchObject({ errors: 30, correct: 0, accuracy: 0 })
    expect(deniedResults.items[0]?.error).toMatch(/^HTTP 401: /)
  })

  it('a stopped run keeps what finished; the same --out resumes and runs only the rest', async () => {
    const simulation = await startSimulation(0.7, 9)
    const stop = new AbortController()
    const base = simulation.upstream
    // after 12 answers, Ctrl-C; from then on the upstream hangs, so requests in flight are abandoned
    let answered = 0
    const { file, out } = await writeDataset(buildArithmeticLines(40))
    const answering = await startSimulation(0.7, 9)
    base.setHandler(async (request) => {
      answered++
      if (answered > 12) {
        stop.abort()
        return { kind: 'hang' }
      }
      // forward to the simulated model's own handler through a second mock
      const response = await fetch(`${answering.upstream.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request.rawBody,
      })
      return { kind: 'json', body: await response.json() }
    })
    const first = await runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', out, '--concurrency', '4', '--openai-base-url', base.url], {
      stop: stop.signal,
      env: { OPENAI_API_KEY: 'sk-test' },
    })
    expect(first.exitCode).toBe(130)
    // rows whose answer was still on its way back when the stop came are abandoned too: 9 to 12 rows finished
    const partial = await readResults(out)
    const finished = partial.items.length
    expect(finished).toBeGreaterThanOrEqual(9)
    expect(finished).toBeLessThanOrEqual(12)
    expect(first.output).toContain(`Stopped: ${finished} of 40 rows finished and are kept`)
    expect(partial.interrupted).toBe(true)
    expect(partial.summary[0]?.items).toBe(finished)
    const log = (await readFile(join(out, 'items.jsonl'), 'utf8')).trim().split('\n')
    expect(log).toHaveLength(finished)

    // resume against a healthy upstream: only the missing rows are asked for
    const resumed = await runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', out, '--openai-base-url', answering.upstream.url], {
      env: { OPENAI_API_KEY: 'sk-test' },
    })
    expect(resumed.exitCode).toBe(0)
    expect(resumed.output).toContain(`${finished} rows came from the earlier run`)
    // the 12 answers forwarded during the first run, then the rest
    expect(answering.upstream.requests).toHaveLength(12 + 40 - finished)
    const complete = await readResults(out)
    expect(complete.interrupted).toBe(false)
    expect(complete.items.map((item) => item.id)).toEqual(Array.from({ length: 40 }, (_, index) => `q${index}`))
    for (const row of partial.items) expect(complete.items.find((item) => item.id === row.id)).toEqual(row)
    // a third run has nothing left to do
    const again = await runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', out, '--openai-base-url', answering.upstream.url], {
      env: { OPENAI_API_KEY: 'sk-test' },
    })
    expect(again.output).toContain('40 rows came from the earlier run')
    expect(answering.upstream.requests).toHaveLength(12 + 40 - finished)
    // another dataset into the same folder is refused
    const other = await writeDataset(buildArithmeticLines(5))
    await expect(runEval(['--data', other.file, '--models', 'gpt-4o-mini', '--out', out, '--openai-base-url', answering.upstream.url])).rejects.toThrow(
      /holds a run of another dataset/,
    )
  })

  it('a malformed file or an unknown approach runs nothing', async () => {
    const simulation = await startSimulation(0.7, 1)
    const { file, out } = await writeDataset([
      ...buildArithmeticLines(5),
      '{"question": "no answer"}',
      ...buildArithmeticLines(3).map((line) => line.replace('"q', '"r')),
    ])
    await expect(runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', out, '--openai-base-url', simulation.upstream.url])).rejects.toThrow(DatasetError)
    await expect(runEval(['--data', file, '--models', 'gpt-4o-mini', '--out', out, '--openai-base-url', simulation.upstream.url])).rejects.toThrow(
      /line 6: answer: is required/,
    )
    // an unknown approach is refused up front too, with the known ones listed
    const valid = await writeDataset(buildArithmeticLines(3))
    await expect(
      runEval([
        '--data',
        valid.file,
        '--models',
        'gpt-4o-mini',
        '--approaches',
        'none,bogus',
        '--out',
        valid.out,
        '--openai-base-url',
        simulation.upstream.url,
      ]),
    ).rejects.toThrow(/--approaches: .*bogus/)
    expect(simulation.upstream.requests).toHaveLength(0)
  })

  it('judge:<model> grades through the same providers and counts its calls and tokens apart', async () => {
    const simulation = await startSimulation(0.5, 21)
    const { file, out } = await writeDataset(buildArithmeticLines(20))
    const { exitCode } = await runEval(
      ['--data', file, '--models', 'gpt-4o-mini', '--grader', 'judge:judge-model', '--out', out, '--openai-base-url', simulation.upstream.url],
      { env: { OPENAI_API_KEY: 'sk-test' } },
    )
    expect(exitCode).toBe(0)
    const results = await readResults(out)
    expect(results.summary[0]?.correct).toBe(simulation.log.right)
    expect(results.summary[0]?.calls_per_item).toBe(1)
    expect(simulation.log.byModel.get('judge-model')).toBe(20)
    expect(results.judge).toMatchObject({ model: 'judge-model', calls: 20 })
    const approachTokens = results.items.reduce((sum, item) => sum + item.tokens.prompt, 0)
    expect(approachTokens + (results.judge?.tokens.prompt ?? 0)).toBe(simulation.log.promptTokens)
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(/The judge \(judge-model\) made 20 calls/)
  })

  it('--dry-run prints the planned calls and an estimated cost and sends nothing', async () => {
    const simulation = await startSimulation(0.7, 1)
    const { file, out } = await writeDataset(buildArithmeticLines(10))
    const { exitCode, output } = await runEval([
      '--data',
      file,
      '--models',
      'gpt-4o-mini,unpriced-model',
      '--approaches',
      'none,self_consistency,moa',
      '--dry-run',
      '--out',
      out,
      '--openai-base-url',
      simulation.upstream.url,
    ])
    expect(exitCode).toBe(0)
    expect(simulation.upstream.requests).toHaveLength(0)
    expect(output).toMatch(/\| none \| gpt-4o-mini \| 10 \| 10 \| \d+ \| 3000 \| \$0\.00\d+ \|/)
    expect(output).toMatch(/\| self_consistency \| gpt-4o-mini \| 10 \| 50 \|/)
    expect(output).toMatch(/\| moa \| unpriced-model \| 10 \| \d+ \| \d+ \| \d+ \| n\/a \(no price\) \|/)
    expect(output).toMatch(/Total: about \d+ upstream calls, about \$\d+\.\d{4} for the priced models\./)
    await expect(readFile(join(out, 'results.json'))).rejects.toThrow()
  })

  it('--demo runs the shipped sample against the simulated models in seconds, without any key', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'optiproxy-demo-'))
    const started = performance.now()
    const { exitCode, output } = await runEval(['--demo', '--out', folder])
    expect(exitCode).toBe(0)
    expect(performance.now() - started).toBeLessThan(15_000)
    const results = await readResults(folder)
    expect(results.summary.map((row) => `${row.approach}/${row.model}`)).toEqual([
      'none/sim-small',
      'self_consistency/sim-small',
      'moa/sim-small',
      'none/sim-large',
      'self_consistency/sim-large',
      'moa/sim-large',
    ])
    for (const row of results.summary) {
      expect(row.errors).toBe(0)
      expect(row.items).toBeGreaterThanOrEqual(50)
      expect(row.cost_per_item).toBeGreaterThan(0)
    }
    // the simulated models' accuracies show: the small one near 55%, the large one near 75%
    const none = (model: string): SummaryRow => results.summary.find((row) => row.approach === 'none' && row.model === model) as SummaryRow
    expect(none('sim-small').ci_low).toBeLessThan(0.55)
    expect(none('sim-small').ci_high).toBeGreaterThan(0.55)
    expect(none('sim-large').ci_low).toBeLessThan(0.75)
    expect(none('sim-large').ci_high).toBeGreaterThan(0.75)
    expect(output).toContain('| self_consistency | sim-large |')
  })
})
