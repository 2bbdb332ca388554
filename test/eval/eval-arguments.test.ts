import { describe, expect, it } from 'vitest'
import { EvalUsageError, parseEvalArguments } from '../../src/eval/eval-arguments.js'

describe('optiproxy eval arguments', () => {
  it("splits the eval's own flags from the server settings, which go on to the config loader", () => {
    const { options, serverArgs } = parseEvalArguments([
      '--data',
      'q.jsonl',
      '--models',
      'gpt-4o-mini, claude-haiku-4-5',
      '--config',
      'optiproxy.yaml',
      '--approaches=none,moa',
      '--openai-base-url',
      'http://127.0.0.1:9/v1',
      '--dry-run',
      '--concurrency',
      '3',
    ])
    expect(options).toMatchObject({
      data: 'q.jsonl',
      models: ['gpt-4o-mini', 'claude-haiku-4-5'],
      approaches: ['none', 'moa'],
      dryRun: true,
      concurrency: 3,
      grader: 'auto',
      out: 'optiproxy-eval',
    })
    expect(serverArgs).toEqual(['--config', 'optiproxy.yaml', '--openai-base-url', 'http://127.0.0.1:9/v1'])
    expect(parseEvalArguments(['--demo']).options).toMatchObject({ demo: true, seed: 1 })
    expect(parseEvalArguments(['-h']).options.help).toBe(true)
  })

  it('names what is missing or wrong', () => {
    expect(() => parseEvalArguments(['--models', 'x'])).toThrow(EvalUsageError)
    expect(() => parseEvalArguments(['--models', 'x'])).toThrow('--data <file> is required (or --demo)')
    expect(() => parseEvalArguments(['--data', 'q.jsonl'])).toThrow(/--models is required/)
    expect(() => parseEvalArguments(['--demo', '--data', 'q.jsonl'])).toThrow(/leave out --data/)
    expect(() => parseEvalArguments(['--demo', '--base-url', 'http://127.0.0.1:8000/v1'])).toThrow(/leave out --base-url/)
    expect(() => parseEvalArguments(['--demo', '--concurrency', '0'])).toThrow(/^--concurrency: /)
    expect(() => parseEvalArguments(['--demo', '--base-url', 'not a url'])).toThrow(/^--base-url: /)
  })
})
