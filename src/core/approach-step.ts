/**
 * What an approach tells the runtime about its own work, for the request's trace: which step an upstream call
 * belongs to, and structured facts (ratings, votes, the winner). The runtime records them in one place; an
 * approach only names them.
 */

/** The step an upstream call belongs to: `{ name: 'candidate', index: 2 }`, `{ name: 'rating', index: 0 }`. */
export interface StepLabel {
  /** What the call does: candidate, critique, rating, comparison, verification, vote, simulation, plan, synthesis, ... */
  readonly name: string
  /** Which one of several (the candidate's number, counted from 0), when there are several. */
  readonly index?: number
}

/** A fact about the run, recorded in the trace beside the calls. */
export type ApproachFact =
  | { readonly kind: 'rating'; readonly candidate: number; readonly score: number | undefined }
  | { readonly kind: 'comparison'; readonly first: number; readonly second: number; readonly winner: number | undefined }
  | { readonly kind: 'vote'; readonly tally: ReadonlyArray<readonly [string, number]>; readonly winner: string | undefined }
  | { readonly kind: 'winner'; readonly candidate: number; readonly reason?: string }
  | { readonly kind: 'note'; readonly text: string }
