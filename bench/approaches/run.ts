/**
 * Do the approaches help, and does each do what theory says? Every approach answers seeded arithmetic word problems
 * against the realistic simulated model (src/simulation): per-question accuracy drawn from a Beta distribution around
 * the mean, wrong answers spread over a common mistake and rarer ones, answers written in the forms real models use
 * with trailing sentences, a judge of known accuracy with position and length bias and sometimes unreadable ratings,
 * and a synthesiser that adopts the majority it sees with known probability. Replies are graded with gradeAnswer.
 *
 * For every approach it prints accuracy with a 95% Wilson interval, calls and tokens per request, the lift over
 * `none` (paired, with a 95% interval), and where theory gives one the prediction and whether it holds:
 * self_consistency and majority_voting, the plurality vote over k given each question's accuracy and the wrong-answer
 * shares; bon (ratings), best-of-n given the judge's accuracy and the missing-rating rate; every judge-based approach
 * (bon, mcts, pvg, cepo, mars, rstar) beats `none` when the judge has signal (accuracy above 0.5). Exit code 1 when a
 * prediction fails. It checks mechanics; it
 * makes no claim about real models.
 *
 * `npm run bench:approaches`; environment: BENCH_PROBLEMS (default 400), BENCH_ACCURACY (0.6), BENCH_CONCENTRATION
 * (4), BENCH_RATER_ACCURACY (0.8), BENCH_ADOPTION (0.5), BENCH_POSITION_BIAS (0.3), BENCH_LENGTH_BIAS (0.5),
 * BENCH_UNREADABLE (0.05), BENCH_CODE_ACCURACY (0.9: a program the model writes is right), BENCH_SEED (1),
 * BENCH_FORMAT (text | markdown). executecode and coc run the model's programs in the Python sandbox.
 */
import { approachRegistry, pluginSlugs } from '../../approaches/registry.js'
import { gradeAnswer } from '../../approaches/shared/answers.js'
import { foldStreamEvents } from '../../src/core/model-result.js'
import { builtInApproachDefaults, startApproach } from '../../src/approach-runtime/run-approach.js'
import { createPythonSandbox } from '../../src/sandbox/create-python-sandbox.js'
import { createSimulatedModel, createWordProblems, type SimulatedModelSettings, type SimulatedProfile } from '../../src/simulation/simulated-model.js'
import { computePairedLift, computeWilsonInterval, predictBestOfRatings, predictPluralityVote } from './statistics.js'

const readNumber = (name: string, fallback: number): number => {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

const seed = readNumber('BENCH_SEED', 1)
const problems = createWordProblems(readNumber('BENCH_PROBLEMS', 400), seed)
const settings: Required<SimulatedModelSettings> = {
  accuracy: readNumber('BENCH_ACCURACY', 0.6),
  concentration: readNumber('BENCH_CONCENTRATION', 4),
  raterAccuracy: readNumber('BENCH_RATER_ACCURACY', 0.8),
  adoption: readNumber('BENCH_ADOPTION', 0.5),
  positionBias: readNumber('BENCH_POSITION_BIAS', 0.3),
  lengthBias: readNumber('BENCH_LENGTH_BIAS', 0.5),
  unreadableRatings: readNumber('BENCH_UNREADABLE', 0.05),
  codeAccuracy: readNumber('BENCH_CODE_ACCURACY', 0.9),
  wrongShares: [0.6, 0.25, 0.15],
}
const judgeBased = new Set(['bon', 'bon (pairwise)', 'mcts', 'pvg', 'cepo', 'mars', 'rstar'])

interface Variant {
  label: string
  slug: string
  options?: Record<string, unknown>
}
// plugins that bring in pages, searches and tools, and those that do not apply to arithmetic word problems (or answer
// as `none` here), are left out
const notApplicable = new Set([...pluginSlugs, 'json', 'privacy', 'router', 'spl', 'z3'])
const variants: Variant[] = [...approachRegistry.keys()].filter((slug) => !notApplicable.has(slug)).map((slug) => ({ label: slug, slug }))
variants.splice(variants.findIndex((variant) => variant.slug === 'bon') + 1, 0, {
  label: 'bon (pairwise)',
  slug: 'bon',
  options: { bon: { judge: 'pairwise' } },
})

// executecode and coc run the model's programs in the real sandbox; one interpreter serves the whole benchmark
const sandbox = createPythonSandbox({ maxRunsPerWorker: Number.POSITIVE_INFINITY })

interface Row {
  label: string
  right: boolean[]
  calls: number
  tokens: number
  prediction?: number
}

const profiles: SimulatedProfile[] = []

async function measure(variant: Variant): Promise<Row> {
  const row: Row = { label: variant.label, right: [], calls: 0, tokens: 0 }
  for (let index = 0; index < problems.length; index++) {
    const problem = problems[index] as (typeof problems)[number]
    // the same seed per problem for every approach: the same question accuracy, differences come from the approach
    const provider = createSimulatedModel(problem, settings, seed * 1_000_003 + index)
    profiles[index] ??= provider.profile
    const started = startApproach(
      { provider, registry: approachRegistry, defaultApproach: 'none', approachDefaults: { ...builtInApproachDefaults, trace: false }, services: { sandbox } },
      {
        request: { model: 'simulated', messages: [{ role: 'user', content: [{ type: 'text', text: problem.question }] }], extra: {} },
        approachField: variant.slug,
        ...(variant.options === undefined ? {} : { optiproxy: variant.options }),
        streaming: false,
      },
      { signal: new AbortController().signal },
    )
    const result = await foldStreamEvents(started.events)
    row.right.push(gradeAnswer(result.choices[0]?.text ?? '', String(problem.answer)).correct)
    row.calls += started.upstreamCalls()
    row.tokens += result.usage?.totalTokens ?? 0
  }
  return row
}

const started = performance.now()
const rows: Row[] = []
for (const variant of variants) rows.push(await measure(variant))
const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length
const missing = settings.unreadableRatings ** 2
const predictions: Record<string, number> = {
  self_consistency: mean(profiles.map((profile) => predictPluralityVote(5, profile.accuracy, profile.wrongShares))),
  majority_voting: mean(profiles.map((profile) => predictPluralityVote(6, profile.accuracy, profile.wrongShares))),
  bon: mean(profiles.map((profile) => predictBestOfRatings(3, profile.accuracy, settings.raterAccuracy, missing))),
}
const none = rows.find((row) => row.label === 'none') as Row
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}`
const header = ['approach', 'accuracy', '95% CI', 'lift over none (95% CI)', 'predicted', 'holds', 'calls/req', 'tokens/req']
let failed = false
const lines = rows.map((row) => {
  const n = row.right.length
  const correct = row.right.filter(Boolean).length
  const [low, high] = computeWilsonInterval(correct, n)
  const lift = computePairedLift(row.right.map((right, index) => Number(right) - Number(none.right[index])))
  const prediction = predictions[row.label]
  const checks: string[] = []
  if (prediction !== undefined) {
    const holds = prediction >= low && prediction <= high
    failed ||= !holds
    checks.push(holds ? 'yes' : 'NO')
  }
  // the claim holds only when the judge has signal (accuracy above chance); without it nothing is predicted
  if (judgeBased.has(row.label) && settings.raterAccuracy > 0.5) {
    const beats = lift.lift > 0
    failed ||= !beats
    checks.push(beats ? 'beats none' : 'NO: not above none')
  }
  return [
    row.label,
    percent(correct / n),
    `${percent(low)}-${percent(high)}`,
    row.label === 'none' ? '' : `${signed(lift.lift)} (${signed(lift.low)} to ${signed(lift.high)})`,
    prediction === undefined ? (judgeBased.has(row.label) && settings.raterAccuracy > 0.5 ? '> none' : '') : percent(prediction),
    checks.join(', '),
    (row.calls / n).toFixed(2),
    (row.tokens / n).toFixed(0),
  ]
})
const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] as string).length)))
const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`
const meanAccuracy = mean(profiles.map((profile) => profile.accuracy))
console.log(
  `approaches on ${problems.length} seeded word problems, realistic simulated model: mean accuracy ${settings.accuracy} (Beta, concentration ` +
    `${settings.concentration}; drawn mean ${meanAccuracy.toFixed(3)}), wrong-answer shares ${settings.wrongShares.join('/')}, judge accuracy ` +
    `${settings.raterAccuracy}, position bias ${settings.positionBias}, length bias ${settings.lengthBias}, unreadable ratings ${settings.unreadableRatings}, ` +
    `adoption of seen answers ${settings.adoption}, seed ${seed}`,
)
console.log(format(header))
console.log(format(widths.map((width) => '-'.repeat(width))))
for (const line of lines) console.log(format(line))
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
await sandbox.close()
if (failed) {
  console.error('a prediction does not hold (see the holds column)')
  process.exitCode = 1
}
