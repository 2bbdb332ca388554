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
 * Reads `optiproxy.timeouts` from the request's `optiproxy` object (a 400 naming the field when it is malformed).
 * Each provider combines them with its configured deadlines: the client may shorten one, never lengthen it.
 * @example const timeouts = readRequestTimeouts(parsed.approachOptions) // { totalMs: 5000 }
 */
export function readRequestTimeouts(options: Record<string, unknown> | undefined): CallTimeouts | undefined {
  const raw = options?.timeouts
  if (raw === undefined) return undefined
  const parsed = requestTimeoutsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = formatParam(['optiproxy', 'timeouts', ...(issue?.path ?? [])])
    throw createInvalidRequestError(`Invalid value for '${param}': ${issue?.message ?? 'invalid timeout'}.`, param, 'invalid_value')
  }
  const { connect_ms: connectMs, first_byte_ms: firstByteMs, total_ms: totalMs, idle_ms: idleMs } = parsed.data
  return {
    ...(connectMs === undefined ? {} : { connectMs }),
    ...(firstByteMs === undefined ? {} : { firstByteMs }),
    ...(totalMs === undefined ? {} : { totalMs }),
    ...(idleMs === undefined ? {} : { idleMs }),
  }
}
