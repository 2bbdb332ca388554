import { SingleBar } from 'cli-progress'
import type { EvalProgress } from './run-eval.js'

export interface ProgressBar {
  update(progress: EvalProgress): void
  stop(): void
}

/**
 * A terminal progress bar (cli-progress) on stderr: rows done of all, running accuracy per approach, ETA.
 * Without a terminal it prints a plain line every few seconds instead of redrawing.
 * @example const bar = createProgressBar(); runEval({ ..., onProgress: bar.update }); bar.stop()
 */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const bar = new SingleBar({
    stream,
    format: '{bar} {value}/{total} | ETA {eta_formatted} | {accuracy}',
    barsize: 24,
    etaBuffer: 50,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
    clearOnComplete: false,
  })
  let started = false
  return {
    update(progress) {
      const accuracy = [...progress.perApproach.entries()]
        .map(([approach, tally]) => `${approach} ${tally.done === 0 ? '-' : `${Math.round((tally.correct / tally.done) * 100)}%`}`)
        .join('  ')
      if (!started) {
        started = true
        // rows resumed from an earlier run do not count towards the ETA
        bar.start(progress.total, progress.done, { accuracy })
        return
      }
      bar.update(progress.done, { accuracy })
    },
    stop() {
      if (started) bar.stop()
    },
  }
}
