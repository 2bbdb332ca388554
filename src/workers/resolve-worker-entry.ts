import type { WorkerOptions } from 'node:worker_threads'

/**
 * How to start one of our worker modules: the compiled `.js` file beside the caller, or, under the test runner
 * (sources are TypeScript), a small bootstrap that registers tsx (a dev dependency) and imports the `.ts` source.
 * @example const entry = resolveWorkerEntry(import.meta.url, './python-worker'); new Worker(entry.source, { eval: entry.eval })
 */
export function resolveWorkerEntry(callerUrl: string, relativeBase: string): { source: URL | string } & Pick<WorkerOptions, 'eval'> {
  if (!callerUrl.endsWith('.ts')) return { source: new URL(`${relativeBase}.js`, callerUrl), eval: false }
  const url = new URL(`${relativeBase}.ts`, callerUrl).href
  return { source: `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}) })`, eval: true }
}
