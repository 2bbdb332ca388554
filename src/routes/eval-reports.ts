import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Context } from 'hono'
import { ProxyError } from '../core/proxy-error.js'
import type { AppEnv } from './route-dependencies.js'

/** A run folder's name: one path segment, nothing that climbs out of the reports folder. */
const runNamePattern = /^[\w][\w.-]{0,127}$/
const maxResultsBytes = 20 * 1024 ** 2
const maxRuns = 200

const notFound = (what: string): ProxyError =>
  new ProxyError(`No evaluation report ${what}.`, { status: 404, type: 'invalid_request_error', code: 'eval_not_found' })

/** The reports folder: OPTIPROXY_EVAL_DIR, else ./eval-results when it exists; undefined when there is none. */
export function resolveEvalDirectory(configured: string | undefined, cwd = process.cwd()): string | undefined {
  const folder = resolve(cwd, configured ?? 'eval-results')
  return existsSync(folder) ? folder : undefined
}

/** The runs in the folder (each a sub-folder with results.json; the folder itself as `.` when it holds one). */
async function listRuns(folder: string): Promise<Array<{ name: string; modified: number }>> {
  const runs: Array<{ name: string; modified: number }> = []
  const own = await stat(join(folder, 'results.json')).catch(() => undefined)
  if (own !== undefined) runs.push({ name: '.', modified: own.mtimeMs })
  for (const entry of (await readdir(folder, { withFileTypes: true })).slice(0, 10_000)) {
    if (!entry.isDirectory() || !runNamePattern.test(entry.name)) continue
    const results = await stat(join(folder, entry.name, 'results.json')).catch(() => undefined)
    if (results !== undefined) runs.push({ name: entry.name, modified: results.mtimeMs })
  }
  return runs.sort((a, b) => b.modified - a.modified).slice(0, maxRuns)
}

function resolveRun(folder: string, name: string): string {
  if (name !== '.' && !runNamePattern.test(name)) throw notFound(`'${name.slice(0, 100)}'`)
  return name === '.' ? folder : join(folder, name)
}

/** GET /v1/optiproxy/evals: the reports `optiproxy eval` wrote into the reports folder, newest first. */
export function createListEvalsHandler(folder: string | undefined) {
  return async function handleListEvals(c: Context<AppEnv>): Promise<Response> {
    if (folder === undefined) return c.json({ object: 'list', folder: null, data: [] })
    const runs = await listRuns(folder)
    return c.json({ object: 'list', folder, data: runs.map((run) => ({ name: run.name, modified: new Date(run.modified).toISOString() })) })
  }
}

/** GET /v1/optiproxy/evals/{name}: the run's results.json (summary and items). */
export function createRetrieveEvalHandler(folder: string | undefined) {
  return async function handleRetrieveEval(c: Context<AppEnv>): Promise<Response> {
    const name = c.req.param('name') ?? ''
    if (folder === undefined) throw notFound(`'${name.slice(0, 100)}'`)
    const file = join(resolveRun(folder, name), 'results.json')
    const info = await stat(file).catch(() => undefined)
    if (info === undefined || info.size > maxResultsBytes) throw notFound(`'${name}'`)
    let results: unknown
    try {
      results = JSON.parse(await readFile(file, 'utf8'))
    } catch {
      throw new ProxyError(`The results.json of '${name}' is not JSON.`, { status: 422, type: 'invalid_request_error', code: 'eval_unreadable' })
    }
    return c.json({ name, results })
  }
}

/** GET /v1/optiproxy/evals/{name}/report.html: the run's HTML report, sandboxed (no scripts, no access to this origin). */
export function createEvalReportHandler(folder: string | undefined) {
  return async function handleEvalReport(c: Context<AppEnv>): Promise<Response> {
    const name = c.req.param('name') ?? ''
    if (folder === undefined) throw notFound(`'${name.slice(0, 100)}'`)
    const file = join(resolveRun(folder, name), 'report.html')
    const info = await stat(file).catch(() => undefined)
    if (info === undefined || info.size > maxResultsBytes) throw notFound(`'${name}' report`)
    return new Response(await readFile(file), {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:",
        'x-content-type-options': 'nosniff',
      },
    })
  }
}
