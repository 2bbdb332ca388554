/**
 * Does an approach help, mechanically? Every approach answers seeded arithmetic word problems against a
 * simulated model of known per-sample accuracy and a rater right with known probability (see simulated-model.ts).
 * Prints accuracy with a 95% Wilson interval, upstream calls and tokens per request, and for self_consistency and
 * majority_voting the binomial majority-vote prediction (for bon the exact best-of-n prediction from p and the rater
 * accuracy), which must lie inside the measured interval (exit code 1 otherwise). It checks the mechanics; it makes no claim about real models.
 *
 * `npm run bench:approaches`; environment: BENCH_PROBLEMS (default 400), BENCH_ACCURACY (0.6),
 * BENCH_RATER_ACCURACY (0.8), BENCH_ADOPTION (0.5), BENCH_SEED (1).
 */
import { approachRegistry, pluginSlugs } from '../../approaches/registry.js'
import { extractFinalAnswer } from '../../approaches/shared/answers.js'
import { foldStreamEvents } from '../../src/core/model-result.js'
import { builtInApproachDefaults, startApproach } from '../../src/run-approach.js'
import { createSimulatedModel, createWordProblems, type SimulatedModelSettings } from '../../src/simulation/simulated-model.js'
import { computeWilsonInterval, predictBestOfN, predictMajorityVote } from './statistics.js'

const readNumber = (name: string, fallback: number): number => {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

const problems = createWordProblems(readNumber('BENCH_PROBLEMS', 400), readNumber('BENCH_SEED', 1))
const settings: SimulatedModelSettings = {
  accuracy: readNumber('BENCH_ACCURACY', 0.6),
  raterAccuracy: readNumber('BENCH_RATER_ACCURACY', 0.8),
  adoption: readNumber('BENCH_ADOPTION', 0.5),
}
const seed = readNumber('BENCH_SEED', 1)

interface Row {
  slug: string
  correct: number
  calls: number
  tokens: number
  prediction?: number
}

async function measureApproach(slug: string): Promise<Row> {
  const row: Row = { slug, correct: 0, calls: 0, tokens: 0 }
  for (let index = 0; index < problems.length; index++) {
    const problem = problems[index] as (typeof problems)[number]
    // the same seed per problem for every approach: differences come from the approach, not the draw
    const provider = createSimulatedModel(problem, settings, seed * 1_000_003 + index)
    const started = startApproach(
      { provider, registry: approachRegistry, defaultApproach: 'none', approachDefaults: { ...builtInApproachDefaults, trace: false } },
      { request: { model: 'simulated', messages: [{ role: 'user', content: [{ type: 'text', text: problem.question }] }], extra: {} }, approachField: slug, streaming: false },
      { signal: new AbortController().signal },
    )
    const result = await foldStreamEvents(started.events)
    if (extractFinalAnswer(result.choices[0]?.text ?? '') === String(problem.answer)) row.correct++
    row.calls += started.upstreamCalls()
    row.tokens += result.usage?.totalTokens ?? 0
  }
  return row
}

const predictions: Record<string, number> = {
  self_consistency: predictMajorityVote(5, settings.accuracy),
  majority_voting: predictMajorityVote(6, settings.accuracy),
  bon: predictBestOfN(3, settings.accuracy, settings.raterAccuracy),
}

const started = performance.now()
const rows: Row[] = []
for (const slug of approachRegistry.keys()) {
  // plugins bring in pages, searches and tools the arithmetic problems do not have
  if (pluginSlugs.has(slug)) continue
  const row = await measureApproach(slug)
  const prediction = predictions[slug]
  rows.push(prediction === undefined ? row : { ...row, prediction })
}
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`
const header = ['approach', 'accuracy', '95% CI', 'predicted', 'agrees', 'calls/req', 'tokens/req']
const lines = rows.map((row) => {
  const [low, high] = computeWilsonInterval(row.correct, problems.length)
  const agrees = row.prediction === undefined ? '' : row.prediction >= low && row.prediction <= high ? 'yes' : 'NO'
  return [
    row.slug,
    percent(row.correct / problems.length),
    `${percent(low)}-${percent(high)}`,
    row.prediction === undefined ? '' : percent(row.prediction),
    agrees,
    (row.calls / problems.length).toFixed(2),
    (row.tokens / problems.length).toFixed(0),
  ]
})
const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] as string).length)))
const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`
console.log(
  `approaches on ${problems.length} seeded word problems; per-sample accuracy ${settings.accuracy}, rater accuracy ${settings.raterAccuracy}, ` +
    `adoption of seen answers ${settings.adoption}, seed ${seed}`,
)
console.log(format(header))
console.log(format(widths.map((width) => '-'.repeat(width))))
for (const line of lines) console.log(format(line))
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
if (lines.some((line) => line[4] === 'NO')) {
  console.error('a measured accuracy disagrees with its prediction')
  process.exitCode = 1
}
