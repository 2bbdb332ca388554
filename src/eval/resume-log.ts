import { createHash } from 'node:crypto'
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { EvalItem } from './eval-item.js'
import { itemResultSchema, readResultKey, type ItemResult } from './item-result.js'

/** What a run's output folder was made for: a resumed run must grade the same data the same way. */
const runIdentitySchema = z.object({ dataset_sha256: z.string(), grader: z.string() })
type RunIdentity = z.infer<typeof runIdentitySchema>

export interface ResumeLog {
  /** Rows that finished without error in earlier runs into this folder, by readResultKey. */
  finished: Map<string, ItemResult>
  /** Appends one finished row (one JSON line, written before the next row is counted). */
  append(row: ItemResult): Promise<void>
}

/** The log file of finished rows inside `--out`. */
export const resumeLogName = 'items.jsonl'

/**
 * Opens `<out>/items.jsonl`, the log each finished row is appended to, and reads what earlier runs finished there
 * (rows that ended in an error are run again). Throws when the folder holds a run of another dataset or grader.
 * A torn last line (a run killed mid-write) is ignored.
 * @example const log = await openResumeLog('eval-out', items, 'final-answer')
 */
export async function openResumeLog(out: string, items: EvalItem[], grader: string): Promise<ResumeLog> {
  await mkdir(out, { recursive: true })
  const identity: RunIdentity = { dataset_sha256: hashItems(items), grader }
  const identityFile = join(out, 'run.json')
  const earlier = await readOptional(identityFile)
  if (earlier !== undefined) {
    const parsed = runIdentitySchema.safeParse(safeJson(earlier))
    if (parsed.success && (parsed.data.dataset_sha256 !== identity.dataset_sha256 || parsed.data.grader !== identity.grader)) {
      throw new Error(
        `--out ${out} holds a run of ${parsed.data.dataset_sha256 !== identity.dataset_sha256 ? 'another dataset' : `the grader ${parsed.data.grader}`}; choose another --out to start afresh`,
      )
    }
  }
  await writeFile(identityFile, `${JSON.stringify(identity, null, 2)}\n`)
  const logFile = join(out, resumeLogName)
  const finished = new Map<string, ItemResult>()
  for (const line of (await readOptional(logFile))?.split('\n') ?? []) {
    const parsed = itemResultSchema.safeParse(safeJson(line))
    if (parsed.success && parsed.data.error === null) finished.set(readResultKey(parsed.data), parsed.data)
  }
  return {
    finished,
    append: (row) => appendFile(logFile, `${JSON.stringify(row)}\n`),
  }
}

function hashItems(items: EvalItem[]): string {
  const hash = createHash('sha256')
  for (const item of items) hash.update(JSON.stringify([item.id, item.messages, item.expected, item.choices ?? null]))
  return hash.digest('hex')
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return undefined
    throw error
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
