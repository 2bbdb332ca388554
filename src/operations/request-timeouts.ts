import { z } from 'zod'
import type { CallTimeouts } from '../../providers/shared/with-timeouts.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import { formatParam } from '../openai/convert-zod-error.js'

const milliseconds = z.number().int().min(1).max(24 * 3600 * 1000)

/** `optiproxy.timeouts` in a request body: the client's deadlines for each upstream call of its request. */
export const requestTimeoutsSchema = z.strictObject({
  connect_ms: milliseconds.optional(),
  first_byte_ms: milliseconds.optional(),
  total_ms: milliseconds.optional(),
  idle_ms: milliseconds.optional(),
})
export type RequestTimeouts = z.infer<typeof requestTimeoutsSchema>

/**
 * Reads `optiproxy.timeouts` (a 400 naming the field when it is malformed) and combines it with the configured
 * deadlines: the client may shorten a deadline, never lengthen one past the operator's.
 * @example const timeouts = resolveCallTimeouts(parsed.approachOptions, { totalMs: 600_000 })
 */
export function resolveCallTimeouts(options: Record<string, unknown> | undefined, configured: CallTimeouts): CallTimeouts {
  const raw = options?.timeouts
  if (raw === undefined) return configured
  const parsed = requestTimeoutsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = formatParam(['optiproxy', 'timeouts', ...(issue?.path ?? [])])
    throw createInvalidRequestError(`Invalid value for '${param}': ${issue?.message ?? 'invalid timeout'}.`, param, 'invalid_value')
  }
  const pick = (own: number | undefined, operator: number | undefined): number | undefined =>
    own === undefined ? operator : operator === undefined ? own : Math.min(own, operator)
  const result: CallTimeouts = {}
  const connectMs = pick(parsed.data.connect_ms, configured.connectMs)
  const firstByteMs = pick(parsed.data.first_byte_ms, configured.firstByteMs)
  const totalMs = pick(parsed.data.total_ms, configured.totalMs)
  const idleMs = pick(parsed.data.idle_ms, configured.idleMs)
  if (connectMs !== undefined) result.connectMs = connectMs
  if (firstByteMs !== undefined) result.firstByteMs = firstByteMs
  if (totalMs !== undefined) result.totalMs = totalMs
  if (idleMs !== undefined) result.idleMs = idleMs
  return result
}
