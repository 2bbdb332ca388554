/**
 * Thrown by an approach context's `generate`/`stream` when the request's budget (upstream calls or total
 * tokens) does not allow another upstream call. The runner turns it into the best answer so far with
 * finish_reason `length`; an approach may catch it to keep the partial results it already has.
 */
export class BudgetExhaustedError extends Error {
  override name = 'BudgetExhaustedError'
  constructor(
    readonly budget: 'upstream-calls' | 'total-tokens',
    readonly limit: number,
  ) {
    super(`The request's ${budget === 'upstream-calls' ? 'upstream call' : 'total token'} budget (${limit}) is exhausted.`)
  }
}

/** True when the error (or a list of settled results' errors) is a budget cut-off. */
export function isBudgetExhausted(error: unknown): error is BudgetExhaustedError {
  return error instanceof BudgetExhaustedError
}
