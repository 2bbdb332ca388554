import { spawn } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { buildArithmeticLines, startSimulatedUpstream, type SimulatedUpstream } from '../helpers/simulated-eval-upstream.js'

let simulation: SimulatedUpstream | undefined
afterEach(async () => {
  await simulation?.close()
})

describe('optiproxy eval as a process', () => {
  it('Ctrl-C (SIGINT) stops cleanly: exit code 130, finished rows kept in the reports and the resume log', async () => {
    simulation = await startSimulatedUpstream(0.7, 4)
    const folder = await mkdtemp(join(tmpdir(), 'optiproxy-eval-cli-'))
    const data = join(folder, 'data.jsonl')
    await writeFile(data, `${buildArithmeticLines(30).join('\n')}\n`)
    const answering = await startSimulatedUpstream(0.7, 4)
    let answered = 0
    // eight answers, then the upstream hangs
    simulation.upstream.setHandler(async (request) => {
      if (++answered > 8) return { kind: 'hang' }
      const response = await fetch(`${answering.upstream.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request.rawBody,
      })
      return { kind: 'json', body: await response.json() }
    })
    const out = join(folder, 'out')
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'eval',
        '--data',
        data,
        '--models',
        'gpt-4o-mini',
        '--out',
        out,
        '--concurrency',
        '3',
        '--openai-base-url',
        simulation.upstream.url,
      ],
      {
        env: { ...process.env, OPENAI_API_KEY: 'sk-test', OPTIPROXY_CONFIG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const deadline = Date.now() + 15_000
      while (simulation.upstream.requests.length < 11 && Date.now() < deadline) await sleep(25)
      expect(simulation.upstream.requests.length).toBe(11)
      child.kill('SIGINT')
      expect(await exited).toBe(130)
    } finally {
      child.kill('SIGKILL')
      await answering.close()
    }
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { interrupted: boolean; items: unknown[] }
    expect(results.interrupted).toBe(true)
    expect(results.items.length).toBeGreaterThanOrEqual(6)
    expect(results.items.length).toBeLessThanOrEqual(8)
    expect((await readFile(join(out, 'items.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(results.items.length)
    expect(stdout).toContain(`Stopped: ${results.items.length} of 30 rows finished and are kept`)
  }, 30_000)
})
