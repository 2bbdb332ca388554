/**
 * Strategies learned by the `spl` plugin (system prompt learning), kept per problem type, as an interface: the
 * runtime injects a store (src/strategies/: in memory, or Redis shared by instances), bounded per problem type.
 */

export interface Strategy {
  readonly id: string
  readonly problemType: string
  readonly text: string
  /** Requests whose system prompt carried it. */
  readonly uses: number
  readonly createdAt: number
}

/**
 * @example const strategies = await context.strategies?.list('math', 3)
 */
export interface StrategyStore {
  /** The problem type's strategies, most used first (then newest), at most `limit`. */
  list(problemType: string, limit: number): Promise<Strategy[]>
  /** Adds a strategy; past the per-type cap the least used (then oldest) is dropped. */
  add(problemType: string, text: string): Promise<Strategy>
  /** Counts one use of each strategy. */
  recordUse(problemType: string, ids: readonly string[]): Promise<void>
  /** Every problem type's strategies (the admin endpoint). */
  listAll(): Promise<Record<string, Strategy[]>>
}
