import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/** USD per million tokens. */
export const modelPriceSchema = z.object({ input: z.number().min(0).max(10_000), output: z.number().min(0).max(10_000) })
export type ModelPrice = z.infer<typeof modelPriceSchema>

/** A `--prices` file: model name -> price per million tokens, optionally under a `models` key. */
export const priceFileSchema = z.record(z.string().min(1).max(200), modelPriceSchema)

/** The date of the built-in price snapshot; prices change, so `--prices` overrides any of them. */
export const builtInPricesDate = '2025-10-01'

/**
 * List prices (USD per million input / output tokens, standard tier, no caching or batch discount) as the
 * vendors published them on builtInPricesDate.
 */
export const builtInPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
}

export type PriceTable = ReadonlyMap<string, ModelPrice>

/**
 * The built-in table with a `--prices` YAML or JSON file's entries over it.
 * @example const prices = await loadPrices('prices.yaml') // { 'my-model': { input: 0.2, output: 0.8 }, ...built-ins }
 */
export async function loadPrices(file: string | undefined, extra: Record<string, ModelPrice> = {}): Promise<PriceTable> {
  const table = new Map(Object.entries({ ...builtInPrices, ...extra }))
  if (file === undefined) return table
  let parsed: unknown
  try {
    parsed = parseYaml(await readFile(file, 'utf8'), { maxAliasCount: 100 })
  } catch (error) {
    throw new Error(`--prices ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const entries = typeof parsed === 'object' && parsed !== null && 'models' in parsed ? parsed.models : parsed
  const result = priceFileSchema.safeParse(entries)
  if (!result.success)
    throw new Error(
      `--prices ${file}: expected model names with { input, output } in USD per million tokens (${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')})`,
    )
  for (const [model, price] of Object.entries(result.data)) table.set(model, price)
  return table
}

/**
 * The price of a model: an exact name, else without a `provider/` prefix, else the longest table name that starts a
 * dated or suffixed version (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`). Undefined for an unknown model.
 * @example findPrice(table, 'openai/gpt-4o-mini') // { input: 0.15, output: 0.6 }
 */
export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const bare = model.slice(model.lastIndexOf('/') + 1)
  const exact = table.get(model) ?? table.get(bare)
  if (exact !== undefined) return exact
  let best: string | undefined
  for (const name of table.keys()) {
    if (bare.startsWith(`${name}-`) && (best === undefined || name.length > best.length)) best = name
  }
  return best === undefined ? undefined : table.get(best)
}

/**
 * USD for the tokens at a price.
 * @example computeCost({ prompt: 1000, completion: 500 }, { input: 0.15, output: 0.6 }) // 0.00045
 */
export function computeCost(tokens: { prompt: number; completion: number }, price: ModelPrice): number {
  return (tokens.prompt * price.input + tokens.completion * price.output) / 1_000_000
}
