import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config.js'

const folder = mkdtempSync(join(tmpdir(), 'optiproxy-evals-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
const loopback = { incoming: { socket: { remoteAddress: '127.0.0.1' } } }

describe('the evaluation reports the console lists', () => {
  it('lists run folders with a results.json, newest first, and serves their results and sandboxed report', async () => {
    const summary = [{ approach: 'moa', model: 'gpt-4o-mini', items: 10, correct: 8, accuracy: 0.8 }]
    mkdirSync(join(folder, 'run-a'))
    writeFileSync(join(folder, 'run-a', 'results.json'), JSON.stringify({ summary, items: [] }))
    writeFileSync(join(folder, 'run-a', 'report.html'), '<html><body><svg></svg></body></html>')
    mkdirSync(join(folder, 'not-a-run'))
    const app = createApp(configSchema.parse({ logLevel: 'silent', evalDir: folder }))
    const list = (await (await app.request('/v1/optiproxy/evals', {}, loopback)).json()) as { data: Array<{ name: string }> }
    expect(list.data.map((run) => run.name)).toEqual(['run-a'])
    const run = (await (await app.request('/v1/optiproxy/evals/run-a', {}, loopback)).json()) as { results: { summary: unknown } }
    expect(run.results.summary).toEqual(summary)
    const report = await app.request('/v1/optiproxy/evals/run-a/report.html', {}, loopback)
    expect(report.status).toBe(200)
    expect(report.headers.get('content-security-policy')).toMatch(/^sandbox;/)
    for (const name of ['..', '..%2F..%2Fetc', 'not-a-run', '%2Fetc'])
      expect((await app.request(`/v1/optiproxy/evals/${name}`, {}, loopback)).status, name).toBe(404)
  })

  it('answers an empty list when there is no reports folder', async () => {
    const app = createApp(configSchema.parse({ logLevel: 'silent', evalDir: join(folder, 'missing') }))
    expect(await (await app.request('/v1/optiproxy/evals', {}, loopback)).json()).toMatchObject({ folder: null, data: [] })
  })
})
