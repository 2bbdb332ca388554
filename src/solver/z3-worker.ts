/**
 * The solver worker: initialises Z3 (the official z3-solver package, WebAssembly) once, then evaluates the SMT-LIB 2
 * scripts it is sent, each in a fresh context with Z3's own timeout set. Started by create-z3-solver.ts, which
 * also terminates it at the wall-clock limit.
 */
import { parentPort } from 'node:worker_threads'
import { init } from 'z3-solver'

export interface Z3WorkerRequest {
  script: string
  timeoutMs: number
  maxOutputChars: number
}

export type Z3WorkerMessage = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'done'; output: string; error?: string }

async function startWorker(): Promise<void> {
  const port = parentPort
  if (port === null) return
  let api: Awaited<ReturnType<typeof init>>['Z3']
  try {
    api = (await init()).Z3
  } catch (error) {
    port.postMessage({ type: 'failed', error: error instanceof Error ? error.message : String(error) } satisfies Z3WorkerMessage)
    return
  }
  port.on('message', (request: Z3WorkerRequest) => {
    void (async () => {
      const config = api.mk_config()
      api.set_param_value(config, 'timeout', String(request.timeoutMs))
      const context = api.mk_context(config)
      api.del_config(config)
      try {
        const output = await api.eval_smtlib2_string(context, request.script)
        port.postMessage({ type: 'done', output: output.slice(0, request.maxOutputChars) } satisfies Z3WorkerMessage)
      } catch (error) {
        port.postMessage({ type: 'done', output: '', error: (error instanceof Error ? error.message : String(error)).slice(0, 2000) } satisfies Z3WorkerMessage)
      } finally {
        api.del_context(context)
      }
    })()
  })
  port.postMessage({ type: 'ready' } satisfies Z3WorkerMessage)
}

await startWorker()
