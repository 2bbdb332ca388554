import { fileURLToPath } from 'node:url'
import { approachRegistry } from '../../approaches/registry.js'
import type { SettingDefaults } from '../approach-runtime/request-settings.js'
import type { Provider } from '../core/provider.js'
import { loadConfig, type Config } from '../config.js'
import { ProxyError } from '../core/proxy-error.js'
import { parseApproachExpression } from '../routing/resolve-approach.js'
import { startServer } from '../server.js'
import { createChatClient, type ChatClient } from './chat-client.js'
import { createDemoProvider, demoApproaches, demoModels } from './demo-model.js'
import { assumedReplyTokens, estimatePlan } from './estimate-plan.js'
import { evalHelp, parseEvalArguments, type EvalOptions } from './eval-arguments.js'
import { createGrader } from './graders.js'
import { builtInPricesDate, loadPrices, type ModelPrice } from './prices.js'
import { createProgressBar } from './progress-bar.js'
import { readDataset } from './read-dataset.js'
import { formatSummaryTable } from './report-markdown.js'
import { openResumeLog } from './resume-log.js'
import { runEval } from './run-eval.js'
import { writeReports, type EvalReport } from './write-reports.js'

/** The sample dataset shipped with the package (copied next to the build by `npm run build`). */
export const sampleDatasetPath = fileURLToPath(new URL('./data/sample-eval.jsonl', import.meta.url))

export interface EvalCommandIo {
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
  /** Ctrl-C: stops the run, keeping what finished. */
  stop: AbortSignal
  /** Progress bar on stderr (default true). */
  progress?: boolean
}

export interface EvalCommandResult {
  exitCode: number
  report?: EvalReport
}

/**
 * `optiproxy eval`: reads and validates the dataset, then runs every item × approach × model in-process (the
 * server itself on a loopback port, with its config and providers) or against `--base-url`, grades the answers and writes results.json,
 * report.md and report.html into `--out`. Exit code 0 when done, 130 when stopped, 2 for bad input.
 * @example await runEvalCommand(['--demo'], { env: process.env, stdout: process.stdout, stderr: process.stderr, stop })
 */
export async function runEvalCommand(argv: string[], io: EvalCommandIo): Promise<EvalCommandResult> {
  const { options, serverArgs } = parseEvalArguments(argv)
  if (options.help) {
    io.stdout.write(evalHelp)
    return { exitCode: 0 }
  }
  const loaded = loadConfig(serverArgs, options.demo ? {} : io.env)
  // the in-process proxy's request logs would tear the progress bar: silent unless asked for
  const config: Config =
    serverArgs.some((arg) => arg.startsWith('--log-level')) || io.env.OPTIPROXY_LOG_LEVEL !== undefined ? loaded : { ...loaded, logLevel: 'silent' }
  const allItems = await readDataset(options.demo ? sampleDatasetPath : (options.data as string))
  const items = options.limit === undefined ? allItems : allItems.slice(0, options.limit)
  const approaches = options.approaches ?? (options.demo ? demoApproaches : ['none'])
  const models = options.models ?? Object.keys(demoModels)
  const demoPrices: Record<string, ModelPrice> = options.demo ? Object.fromEntries(Object.entries(demoModels).map(([model, demo]) => [model, demo.price])) : {}
  const prices = await loadPrices(options.prices, demoPrices)
  const approachDefaults = readApproachDefaults(config)
  if (options.baseUrl === undefined) checkApproaches(approaches)

  if (options.dryRun) {
    const plan = await estimatePlan(items, approaches, models, approachRegistry, approachDefaults, prices)
    io.stdout.write(formatDryRun(plan, options, items.length))
    return { exitCode: 0 }
  }

  const target =
    options.baseUrl === undefined ? await startInProcess(config, options.demo ? { provider: createDemoProvider(items, options.seed) } : {}) : undefined
  const client: ChatClient =
    target === undefined
      ? createChatClient((url, init) => fetch(url, init), options.baseUrl as string, io.env.OPTIPROXY_API_KEY ?? io.env.OPENAI_API_KEY)
      : createChatClient((url, init) => fetch(url, init), target.url, readInProcessKey(config))
  const grader = createGrader(options.grader, client)
  try {
    const log = await openResumeLog(options.out, items, grader.name)
    const bar = io.progress === false ? undefined : createProgressBar(io.stderr)
    const outcome = await runEval({
      items,
      approaches,
      models,
      client,
      grader,
      concurrency: options.concurrency,
      log,
      stop: io.stop,
      ...(bar === undefined ? {} : { onProgress: (progress) => bar.update(progress) }),
    })
    bar?.stop()
    const report = await writeReports({
      out: options.out,
      rows: outcome.rows,
      approaches,
      models,
      prices,
      ...(options.grader.startsWith('judge:') ? { judgeModel: options.grader.slice('judge:'.length).trim() } : {}),
      context: {
        data: options.demo ? 'the sample dataset (simulated models)' : (options.data as string),
        grader: grader.name,
        generatedAt: new Date().toISOString(),
        pricesNote: `built-in list prices of ${builtInPricesDate}${options.prices === undefined ? '' : `, with ${options.prices} over them`}${options.demo ? '; the simulated models have illustrative prices' : ''}; models without a price report tokens only.`,
        interrupted: outcome.interrupted,
      },
    })
    io.stdout.write(`\n${formatSummaryTable(report.summary)}\n\n`)
    if (outcome.resumed > 0) io.stdout.write(`${outcome.resumed} rows came from the earlier run in ${options.out}.\n`)
    if (outcome.interrupted)
      io.stdout.write(
        `Stopped: ${outcome.rows.length} of ${items.length * approaches.length * models.length} rows finished and are kept; run the same command again to resume.\n`,
      )
    io.stdout.write(`Reports: ${options.out}/report.html, ${options.out}/report.md, ${options.out}/results.json\n`)
    return { exitCode: outcome.interrupted ? 130 : 0, report }
  } finally {
    await target?.close()
  }
}

/**
 * The proxy in this process on a free port of 127.0.0.1: the server's routing, approaches, budgets, rate limits and
 * usage exactly as a client sees them (the app writes its answers to the Node response, so it needs a socket).
 */
async function startInProcess(config: Config, overrides: { provider?: Provider }): Promise<{ url: string; close(): Promise<void> }> {
  const running = await startServer({ ...config, host: '127.0.0.1', port: 0 }, overrides)
  return { url: `${running.url}/v1`, close: () => running.close() }
}

/** The key the in-process app expects from a client: the proxy key, else the first configured key. */
function readInProcessKey(config: Config): string | undefined {
  return config.proxyApiKey ?? config.apiKeys[0]?.key ?? config.openaiApiKey
}

function readApproachDefaults(config: Config): SettingDefaults {
  return {
    trace: config.approachTrace,
    maxUpstreamCalls: config.approachMaxUpstreamCalls,
    maxParallelCalls: config.approachMaxParallelCalls,
    approachOptions: config.approachOptions,
    ...(config.approachMaxTotalTokens === undefined ? {} : { maxTotalTokens: config.approachMaxTotalTokens }),
  }
}

/** Unknown approaches fail before anything runs (with the list of known ones). */
function checkApproaches(approaches: string[]): void {
  for (const approach of approaches) {
    try {
      parseApproachExpression(approach, approachRegistry, 'approaches')
    } catch (error) {
      throw new Error(`--approaches: ${error instanceof ProxyError ? error.message : String(error)}`)
    }
  }
}

function formatDryRun(plan: Awaited<ReturnType<typeof estimatePlan>>, options: EvalOptions, items: number): string {
  const header = ['approach', 'model', 'items', 'calls', 'prompt tokens', 'completion tokens', 'estimated cost']
  const lines = plan.map((row) => [
    row.approach,
    row.model,
    String(row.items),
    String(row.calls),
    String(row.tokens.prompt),
    String(row.tokens.completion),
    row.cost === null ? 'n/a (no price)' : `$${row.cost.toFixed(4)}`,
  ])
  const totalCalls = plan.reduce((sum, row) => sum + row.calls, 0)
  const priced = plan.filter((row) => row.cost !== null)
  const totalCost = priced.reduce((sum, row) => sum + (row.cost as number), 0)
  const table = [header, ...lines].map((cells) => `| ${cells.join(' | ')} |`)
  table.splice(1, 0, `| ${header.map(() => '---').join(' | ')} |`)
  const judge = options.grader.startsWith('judge:') ? `\nThe judge (${options.grader.slice(6)}) adds one call per row: ${plan.length * items} calls.` : ''
  return `Dry run: nothing was sent. ${items} items × ${new Set(plan.map((row) => row.approach)).size} approaches × ${new Set(plan.map((row) => row.model)).size} models.\n\n${table.join('\n')}\n\nTotal: about ${totalCalls} upstream calls${priced.length > 0 ? `, about $${totalCost.toFixed(4)}${priced.length < plan.length ? ' for the priced models' : ''}` : ''}.${judge}\nEstimated by running each approach on the first items against a stand-in model with ${assumedReplyTokens}-token replies; real replies vary.\n`
}
