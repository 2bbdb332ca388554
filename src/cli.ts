#!/usr/bin/env node
import { ConfigError, loadConfig, settingSources } from './config.js'
import { startServer } from './server.js'

function printHelp(): void {
  const lines = Object.values(settingSources).map(
    (source) => `  ${(source.flag === undefined ? '' : `--${source.flag} <value>`).padEnd(32)}${source.env.padEnd(32)}${source.description}`,
  )
  process.stdout.write(
    `optiproxy: an OpenAI-compatible optimizing LLM proxy\n\nUsage: optiproxy [options]\n       optiproxy eval --help   (which approach pays off on your data)\n\n  ${'flag'.padEnd(32)}${'environment'.padEnd(32)}meaning\n${lines.join('\n')}\n`,
  )
}

/** `optiproxy eval ...`: the first Ctrl-C stops cleanly (finished rows are kept), a second one exits at once. */
async function runEval(argv: string[]): Promise<void> {
  // loaded only for `eval`: the server does not pay for the report libraries at start-up
  const [{ runEvalCommand }, { EvalUsageError }, { DatasetError }, { GraderError }] = await Promise.all([
    import('./eval/eval-command.js'),
    import('./eval/eval-arguments.js'),
    import('./eval/read-dataset.js'),
    import('./eval/graders.js'),
  ])
  const stop = new AbortController()
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130)
    process.stderr.write('\nStopping: finishing the reports with the rows done so far (Ctrl-C again to quit now)\n')
    stop.abort()
  })
  try {
    const { exitCode } = await runEvalCommand(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr, stop: stop.signal })
    process.exit(exitCode)
  } catch (error) {
    if (error instanceof EvalUsageError || error instanceof DatasetError || error instanceof GraderError || error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    // a missing --prices file, an --out that holds another run: the message says it all
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === 'eval') return runEval(argv.slice(1))
  if (argv.includes('--help') || argv.includes('-h')) {
    printHelp()
    return
  }
  const config = loadConfig(argv, process.env)
  const running = await startServer(config, { processMetrics: true })
  console.log(`optiproxy listening on ${running.url} (upstream ${config.openaiBaseUrl})`)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    running.operations.logger.info({ signal, in_flight: running.operations.lifecycle.inFlight, grace_ms: config.shutdownGraceMs }, 'shutting down')
    void running.shutdown(config.shutdownGraceMs).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[optiproxy] shutdown failed', error)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(1)
})
