import { readFile } from 'node:fs/promises'
import { parse as parseCsv } from 'csv-parse/sync'
import { datasetRowSchema, maxChoices, maxDatasetItems, maxFieldChars, type DatasetMessage, type DatasetRow, type EvalItem } from './eval-item.js'

/** A dataset that does not validate: every problem found, each with its line number. */
export class DatasetError extends Error {
  override name = 'DatasetError'
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was run:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''}`,
    )
  }
}

/** Largest dataset file read, in bytes. */
const maxFileBytes = 256 * 1024 ** 2

/**
 * Reads a JSONL or CSV dataset (by extension: `.csv` is CSV, anything else JSONL) and validates all of it before
 * anything runs. Rows have `question` or `messages`, an `answer`, optional `id` and `choices`. GSM8K answers
 * (`... #### 42`) become `42`; multiple-choice answers (a letter, a 0-based index or the choice's text) become a letter.
 * Throws a DatasetError listing the malformed rows by line.
 * @example const items = await readDataset('questions.jsonl')
 */
export async function readDataset(file: string): Promise<EvalItem[]> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new DatasetError(file, [`cannot be read (${error instanceof Error ? error.message : String(error)})`])
  }
  if (bytes.byteLength > maxFileBytes) throw new DatasetError(file, [`the file is larger than ${maxFileBytes} bytes`])
  const content = bytes.toString('utf8').replace(/^\uFEFF/, '')
  return parseDataset(content, file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl', file)
}

/**
 * Parses dataset text (see readDataset).
 * @example parseDataset('{"question":"1+1?","answer":"2"}\n', 'jsonl', 'inline') // [{ id: '1', expected: '2', ... }]
 */
export function parseDataset(content: string, format: 'jsonl' | 'csv', file: string): EvalItem[] {
  const records = format === 'csv' ? readCsvRecords(content, file) : readJsonlRecords(content)
  const problems: string[] = []
  const items: EvalItem[] = []
  const ids = new Map<string, number>()
  for (const record of records) {
    if (record.problem !== undefined) {
      problems.push(`line ${record.line}: ${record.problem}`)
      continue
    }
    const parsed = datasetRowSchema.safeParse(record.value)
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`))
      problems.push(`line ${record.line}: ${details.join('; ')}`)
      continue
    }
    const item = convertRow(parsed.data, record.line, items.length + 1)
    if (typeof item === 'string') {
      problems.push(`line ${record.line}: ${item}`)
      continue
    }
    const earlier = ids.get(item.id)
    if (earlier !== undefined) problems.push(`line ${record.line}: id '${item.id}' is already used on line ${earlier}`)
    ids.set(item.id, record.line)
    items.push(item)
    if (items.length > maxDatasetItems) {
      problems.push(`line ${record.line}: more than ${maxDatasetItems} items`)
      break
    }
  }
  if (problems.length === 0 && items.length === 0) problems.push('line 1: the file holds no items')
  if (problems.length > 0) throw new DatasetError(file, problems)
  return items
}

interface RawRecord {
  line: number
  value?: unknown
  problem?: string
}

function readJsonlRecords(content: string): RawRecord[] {
  const records: RawRecord[] = []
  content.split(/\r?\n/).forEach((text, index) => {
    if (text.trim() === '') return
    try {
      records.push({ line: index + 1, value: JSON.parse(text) as unknown })
    } catch (error) {
      records.push({ line: index + 1, problem: `not valid JSON (${error instanceof Error ? error.message : String(error)})` })
    }
  })
  return records
}

function readCsvRecords(content: string, file: string): RawRecord[] {
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>
  try {
    rows = parseCsv(content, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true, max_record_size: maxFieldChars * 4 }) as typeof rows
  } catch (error) {
    const line = typeof error === 'object' && error !== null && 'lines' in error ? Number(error.lines) : 1
    throw new DatasetError(file, [`line ${line}: ${error instanceof Error ? error.message : String(error)}`])
  }
  return rows.map(({ record, info }) => {
    const value: Record<string, unknown> = {}
    for (const [key, cell] of Object.entries(record)) {
      if (cell === '') continue
      if (key === 'messages' || key === 'choices') {
        try {
          value[key] = JSON.parse(cell) as unknown
        } catch {
          // `choices` may also be written as A|B|C
          if (key === 'choices') value[key] = cell.split('|').map((choice) => choice.trim())
          else return { line: info.lines, problem: 'messages: not valid JSON' }
        }
      } else value[key] = cell
    }
    return { line: info.lines, value }
  })
}

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function convertRow(row: DatasetRow, line: number, position: number): EvalItem | string {
  const messages: DatasetMessage[] = row.messages ?? [{ role: 'user', content: row.question ?? '' }]
  const lastUser = [...messages].reverse().find((message) => message.role === 'user')
  if (lastUser === undefined) return 'messages: needs a user message'
  const question = typeof lastUser.content === 'string' ? lastUser.content : lastUser.content.map((part) => part.text).join('\n')
  const id = row.id === undefined ? String(position) : String(row.id)
  if (row.choices === undefined) {
    const expected = readExpectedAnswer(row.answer)
    if (expected === '') return 'answer: is empty'
    return { id, line, messages, question, expected }
  }
  const choices = row.choices.map(String)
  const letter = readChoiceLetter(row.answer, choices)
  if (letter === undefined)
    return `answer: '${String(row.answer).slice(0, 40)}' is not one of the ${choices.length} choices (a letter A-${letters[choices.length - 1]}, a 0-based index or a choice's text)`
  // the model sees the options lettered after the question
  const withChoices = `${question}\n\n${choices.map((choice, index) => `${letters[index]}. ${choice}`).join('\n')}\n\nAnswer with the letter of the right choice.`
  const asked = messages.map((message) => (message === lastUser ? { role: 'user' as const, content: withChoices } : message))
  return { id, line, messages: asked, question: withChoices, expected: letter, choices }
}

/** A GSM8K answer keeps what follows its last `####`; anything else is trimmed. */
function readExpectedAnswer(answer: string | number): string {
  if (typeof answer === 'number') return String(answer)
  const marker = answer.lastIndexOf('####')
  return (marker === -1 ? answer : answer.slice(marker + 4)).trim().replace(/,(?=\d{3}\b)/g, '')
}

function readChoiceLetter(answer: string | number, choices: string[]): string | undefined {
  const count = Math.min(choices.length, maxChoices)
  if (typeof answer === 'number') return Number.isInteger(answer) && answer >= 0 && answer < count ? letters[answer] : undefined
  const trimmed = answer.trim()
  const letter = /^\(?([A-Za-z])\)?\.?$/.exec(trimmed)?.[1]?.toUpperCase()
  if (letter !== undefined && letters.indexOf(letter) < count) return letter
  // a choice's own text wins over an index ("4" among the choices 3, 4, 5 is B)
  const matching = choices.flatMap((choice, index) => (choice.trim().toLowerCase() === trimmed.toLowerCase() ? [index] : []))
  if (matching.length === 1) return letters[matching[0] as number]
  return /^\d+$/.test(trimmed) && Number(trimmed) < count ? letters[Number(trimmed)] : undefined
}
