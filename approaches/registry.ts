import { noneApproach } from './none/index.js'
import type { Approach } from './types.js'

/** Every approach the proxy knows, by slug. Immutable: per-request settings live in the request's context. */
export const approachRegistry: ReadonlyMap<string, Approach<unknown>> = new Map(
  [noneApproach].map((approach) => [approach.id, approach as Approach<unknown>]),
)
