import { z } from 'zod'
import type { CallTimeouts } from '../../providers/middleware/timeouts-middleware.js'

const milliseconds = z
  .number()
  .int()
  .min(1)
  .max(24 * 3600 * 1000)

/**
 * `optiproxy.timeouts` in a request body: the client's deadlines for each upstream call of its request. Parsed with
 * the rest of the `optiproxy` object (one schema, see request-settings.ts); each provider combines them with its
 * configured deadlines: the client may shorten one, never lengthen it.
 */
export const requestTimeoutsSchema = z.strictObject({
  connect_ms: milliseconds.optional(),
  first_byte_ms: milliseconds.optional(),
  total_ms: milliseconds.optional(),
  idle_ms: milliseconds.optional(),
})
export type RequestTimeouts = z.infer<typeof requestTimeoutsSchema>

/**
 * The parsed `optiproxy.timeouts` as the providers' call deadlines.
 * @example convertRequestTimeouts({ total_ms: 5000 }) // { totalMs: 5000 }
 */
export function convertRequestTimeouts(timeouts: RequestTimeouts): CallTimeouts {
  const { connect_ms: connectMs, first_byte_ms: firstByteMs, total_ms: totalMs, idle_ms: idleMs } = timeouts
  return {
    ...(connectMs === undefined ? {} : { connectMs }),
    ...(firstByteMs === undefined ? {} : { firstByteMs }),
    ...(totalMs === undefined ? {} : { totalMs }),
    ...(idleMs === undefined ? {} : { idleMs }),
  }
}
