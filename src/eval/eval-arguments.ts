import { parseArgs } from 'node:util'
import { z } from 'zod'

/** The eval's own flags; every other flag is a server setting (`--config`, `--openai-base-url`, ...). */
const evalFlags = {
  data: { type: 'string' },
  demo: { type: 'boolean' },
  approaches: { type: 'string' },
  models: { type: 'string' },
  grader: { type: 'string' },
  concurrency: { type: 'string' },
  limit: { type: 'string' },
  prices: { type: 'string' },
  out: { type: 'string' },
  'base-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const listSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(z.array(z.string().min(1).max(200)).min(1).max(64))

export const evalOptionsSchema = z
  .object({
    data: z.string().min(1).optional(),
    demo: z.boolean().default(false),
    approaches: listSchema.optional(),
    models: listSchema.optional(),
    grader: z.string().min(1).default('auto'),
    concurrency: z.coerce.number().int().min(1).max(256).default(8),
    limit: z.coerce.number().int().min(1).optional(),
    prices: z.string().min(1).optional(),
    out: z.string().min(1).default('optiproxy-eval'),
    baseUrl: z.url().optional(),
    dryRun: z.boolean().default(false),
    seed: z.coerce.number().int().min(0).default(1),
    help: z.boolean().default(false),
  })
  .superRefine((options, context) => {
    if (options.help) return
    if (options.demo && options.data !== undefined) context.addIssue({ code: 'custom', message: '--demo runs the sample dataset: leave out --data' })
    if (!options.demo && options.data === undefined) context.addIssue({ code: 'custom', message: '--data <file> is required (or --demo)' })
    if (!options.demo && options.models === undefined)
      context.addIssue({ code: 'custom', message: '--models is required, e.g. --models gpt-4o-mini,claude-haiku-4-5' })
    if (options.demo && options.baseUrl !== undefined)
      context.addIssue({ code: 'custom', message: '--demo runs in-process against the simulated model: leave out --base-url' })
  })
export type EvalOptions = z.infer<typeof evalOptionsSchema>

export class EvalUsageError extends Error {
  override name = 'EvalUsageError'
}

/**
 * Splits `optiproxy eval` arguments into the eval's options and the server settings (passed on to loadConfig, so
 * the eval runs with the same flags, environment and config file as the server).
 * Throws an EvalUsageError naming the bad flag.
 * @example parseEvalArguments(['--data', 'q.jsonl', '--models', 'gpt-4o-mini', '--config', 'optiproxy.yaml'])
 * // { options: { data: 'q.jsonl', models: ['gpt-4o-mini'], ... }, serverArgs: ['--config', 'optiproxy.yaml'] }
 */
export function parseEvalArguments(argv: string[]): { options: EvalOptions; serverArgs: string[] } {
  const ownArgs: string[] = []
  const serverArgs: string[] = []
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string
    const name = /^--([^=]+)/.exec(token)?.[1] ?? (token === '-h' ? 'help' : undefined)
    const flag = name === undefined ? undefined : evalFlags[name as keyof typeof evalFlags]
    const target = flag === undefined ? serverArgs : ownArgs
    target.push(token)
    // a flag's value travels with it
    if (
      !token.includes('=') &&
      token.startsWith('--') &&
      (flag === undefined || flag.type === 'string') &&
      index + 1 < argv.length &&
      !(argv[index + 1] as string).startsWith('--')
    ) {
      target.push(argv[++index] as string)
    }
  }
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: ownArgs, options: evalFlags, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new EvalUsageError(error instanceof Error ? error.message : String(error))
  }
  const parsed = evalOptionsSchema.safeParse({ ...values, baseUrl: values['base-url'], dryRun: values['dry-run'] })
  if (!parsed.success) {
    throw new EvalUsageError(
      parsed.error.issues
        .map((issue) =>
          issue.path.length === 0 ? issue.message : `--${String(issue.path[0]).replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`)}: ${issue.message}`,
        )
        .join('\n'),
    )
  }
  return { options: parsed.data, serverArgs }
}

/** `optiproxy eval --help`. */
export const evalHelp = `optiproxy eval: which approach pays off on your data

Usage:
  optiproxy eval --data <file.jsonl|file.csv> --models gpt-4o-mini[,claude-haiku-4-5] [--approaches none,self_consistency,moa]
                 [--grader auto|final-answer|exact|regex:<pattern>|choice|judge:<model>] [--concurrency 8] [--limit N]
                 [--prices prices.yaml] [--out optiproxy-eval] [--base-url http://host:8000/v1] [--dry-run]
  optiproxy eval --demo            the shipped sample against the simulated model, in seconds, without any key

Without --base-url the eval runs in-process with the server's settings: the same flags, environment and --config file.
With --base-url it drives a running proxy over HTTP (key from OPTIPROXY_API_KEY, else OPENAI_API_KEY).
Rows: {"question": "...", "answer": "42"} or {"messages": [...], "answer": ...}, optional "id" and "choices"
(a letter, a 0-based index or the choice's text). GSM8K answers ("... #### 42") read as they are.
Output in --out: results.json, report.md, report.html; items.jsonl holds finished rows, so the same --out resumes.
Ctrl-C stops and keeps what finished. --dry-run prints the planned calls and an estimated cost, spending nothing.
`
