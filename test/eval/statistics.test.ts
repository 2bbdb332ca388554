import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtInPrices, computeCost, findPrice, loadPrices } from '../../src/eval/prices.js'
import { computeMcNemarExactP, computePercentile, computeWilsonInterval, findParetoFront } from '../../src/eval/statistics.js'

describe('statistics', () => {
  it('Wilson 95% interval matches published values', () => {
    // by hand from the formula: 42/60: 0.5749-0.8010; 0/10: 0-0.2775; 10/10: 0.7225-1
    const [low, high] = computeWilsonInterval(42, 60)
    expect(low).toBeCloseTo(0.5749, 3)
    expect(high).toBeCloseTo(0.801, 3)
    expect(computeWilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 3)
    expect(computeWilsonInterval(10, 10)[0]).toBeCloseTo(0.7225, 3)
    expect(computeWilsonInterval(0, 0)).toEqual([0, 1])
  })

  it("McNemar's exact test is the two-sided binomial test of the discordant pairs", () => {
    // 2 vs 10 discordant: 2 * P(X <= 2 | n = 12, p = 1/2) = 2 * 79 / 4096
    expect(computeMcNemarExactP(2, 10)).toBeCloseTo((2 * 79) / 4096, 10)
    expect(computeMcNemarExactP(10, 2)).toBeCloseTo((2 * 79) / 4096, 10)
    expect(computeMcNemarExactP(5, 5)).toBe(1)
    expect(computeMcNemarExactP(0, 0)).toBe(1)
    // large counts do not overflow
    expect(computeMcNemarExactP(400, 600)).toBeLessThan(1e-9)
  })

  it('percentiles interpolate and the Pareto front keeps the undominated points', () => {
    expect(computePercentile([40, 10, 30, 20], 50)).toBe(25)
    expect(computePercentile([5], 95)).toBe(5)
    expect(computePercentile([], 50)).toBeUndefined()
    const points = [
      { cost: 1, accuracy: 0.6 },
      { cost: 5, accuracy: 0.7 },
      { cost: 4, accuracy: 0.55 },
      { cost: 6, accuracy: 0.7 },
      { cost: 9, accuracy: 0.8 },
    ]
    expect(findParetoFront(points)).toEqual([0, 1, 4])
  })
})

describe('prices', () => {
  it('finds prices by exact name, without a provider prefix, and by the longest dated prefix', () => {
    const table = new Map(Object.entries(builtInPrices))
    expect(findPrice(table, 'gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 })
    expect(findPrice(table, 'openai/gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 })
    expect(findPrice(table, 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 })
    expect(findPrice(table, 'my-local-llama')).toBeUndefined()
    expect(computeCost({ prompt: 1_000, completion: 500 }, { input: 0.15, output: 0.6 })).toBeCloseTo(0.00045, 12)
  })

  it('--prices overrides and extends the built-in table, and rejects a malformed file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'optiproxy-prices-'))
    await writeFile(join(folder, 'prices.yaml'), 'models:\n  gpt-4o-mini: { input: 1, output: 2 }\n  my-llama: { input: 0.05, output: 0.1 }\n')
    const table = await loadPrices(join(folder, 'prices.yaml'))
    expect(findPrice(table, 'gpt-4o-mini')).toEqual({ input: 1, output: 2 })
    expect(findPrice(table, 'my-llama')).toEqual({ input: 0.05, output: 0.1 })
    expect(findPrice(table, 'gpt-4o')).toEqual({ input: 2.5, output: 10 })
    await writeFile(join(folder, 'flat.json'), '{"my-llama": {"input": 0.2, "output": 0.4}}')
    expect(findPrice(await loadPrices(join(folder, 'flat.json')), 'my-llama')).toEqual({ input: 0.2, output: 0.4 })
    await writeFile(join(folder, 'bad.yaml'), 'my-llama: { input: cheap }\n')
    await expect(loadPrices(join(folder, 'bad.yaml'))).rejects.toThrow(/--prices .*bad\.yaml: expected model names/)
  })
})
