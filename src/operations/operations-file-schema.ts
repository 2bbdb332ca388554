import { z } from 'zod'

const positiveInteger = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' })

/** `provider_limits.<provider id>` in the config file: one provider's deadlines and concurrency (else the global settings). */
export const providerLimitsFileSchema = z.strictObject({
  connect_timeout_ms: positiveInteger.optional(),
  first_byte_timeout_ms: positiveInteger.optional(),
  total_timeout_ms: positiveInteger.optional(),
  idle_timeout_ms: positiveInteger.optional(),
  /** Upstream calls at once; 0: no limit. */
  max_concurrent: z.number().int().min(0).optional(),
  max_queued: z.number().int().min(0).optional(),
})
export type ProviderLimitsFile = z.infer<typeof providerLimitsFileSchema>

const groupTargetSchema = z.union([
  z.string().min(1),
  z.strictObject({ target: z.string().min(1), weight: z.number().positive({ error: 'expected a weight above 0' }).optional() }),
])

/** `groups.<alias>` in the config file: a model name served by several targets. */
export const routingGroupFileSchema = z.strictObject({
  /** fallback: in order; weighted: by weight, then the others; least-busy: fewest calls in flight, then the others. */
  strategy: z.enum(['fallback', 'weighted', 'least-busy'], { error: "expected 'fallback', 'weighted' or 'least-busy'" }).default('fallback'),
  /** `provider/model`, or `{ target: provider/model, weight: 3 }`. */
  targets: z.array(groupTargetSchema).min(1, { error: 'a group needs at least one target' }),
  /** Failures in a row after which a target rests. */
  failure_threshold: positiveInteger.optional(),
  /** How long a failing target rests before it is tried again. */
  cooldown_ms: positiveInteger.optional(),
})
export type RoutingGroupFile = z.infer<typeof routingGroupFileSchema>

/** The config file's top-level keys for production operations. */
export const operationsFileShape = {
  provider_limits: z.record(z.string().min(1), providerLimitsFileSchema).optional(),
  groups: z.record(z.string().min(1), routingGroupFileSchema).optional(),
}
