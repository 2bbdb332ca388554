/**
 * Reads a V8 .cpuprofile (as written by `node --cpu-prof`) and summarizes where the time went: the functions
 * with the most self time, and self time by package (node internals, hono, zod, openai, optiproxy's own code).
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Which package or part of the runtime a script URL belongs to. */
function classifyUrl(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (packageMatch?.[1] !== undefined) return packageMatch[1]
  if (/\/dist\/(src|providers|approaches)\//.test(url)) return 'optiproxy'
  return 'other'
}

function shortenUrl(url: string): string {
  const packageAt = url.lastIndexOf('node_modules/')
  if (packageAt >= 0) return url.slice(packageAt + 'node_modules/'.length)
  const distAt = url.lastIndexOf('/dist/')
  if (distAt >= 0) return url.slice(distAt + 1)
  return url.replace(/^file:\/\//, '')
}

function formatFrame(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
  return frame.url === '' ? name : `${name}  ${shortenUrl(frame.url)}:${frame.lineNumber + 1}`
}

/**
 * Total time (self plus callees) per function of the application and its packages, node internals left out:
 * each sample counts once for every distinct function on its stack. Async continuations start new stacks,
 * so a caller's total covers only its synchronous part.
 */
function sumTotalTimes(profile: CpuProfile, nodesById: Map<number, ProfileNode>): Map<string, number> {
  const parents = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const totals = new Map<string, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set<string>()
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parents.get(id)) {
      const frame = nodesById.get(id)?.callFrame
      if (frame === undefined || frame.url === '' || frame.url.startsWith('node:')) continue
      const key = formatFrame(frame)
      if (seen.has(key)) continue
      seen.add(key)
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0))
    }
  }
  return totals
}

function formatShare(micros: number, total: number): string {
  return `${(micros / 1000).toFixed(1).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%`
}

/**
 * The top `limit` functions by self time and by total time, and the self time per package, as printable text. `(idle)` is left
 * out of the shares: they are of the time the process was busy.
 * @example console.log(summarizeCpuProfile('.bench/cpu-profile/CPU.1.cpuprofile', 25))
 */
export function summarizeCpuProfile(path: string, limit: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const nodesById = new Map<number, ProfileNode>()
  for (const node of profile.nodes) nodesById.set(node.id, node)
  const selfByNode = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  let busy = 0
  for (const [id, micros] of selfByNode) {
    const frame = nodesById.get(id)?.callFrame
    if (frame === undefined || frame.functionName === '(idle)') continue
    busy += micros
    const key = formatFrame(frame)
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
    const area = classifyUrl(frame.url, frame.functionName)
    byArea.set(area, (byArea.get(area) ?? 0) + micros)
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, limit)
  const areas = [...byArea].sort((a, b) => b[1] - a[1])
  const totals = [...sumTotalTimes(profile, nodesById)].sort((a, b) => b[1] - a[1]).slice(0, limit)
  return [
    `CPU profile ${path}: ${(busy / 1000).toFixed(0)} ms busy`,
    'self time by package:',
    ...areas.map(([area, micros]) => `  ${formatShare(micros, busy)}  ${area}`),
    `top ${limit} functions by self time:`,
    ...top.map(([key, micros]) => `  ${formatShare(micros, busy)}  ${key}`),
    `top ${limit} functions of the application and its packages by total time (self + synchronous callees):`,
    ...totals.map(([key, micros]) => `  ${formatShare(micros, busy)}  ${key}`),
  ].join('\n')
}
