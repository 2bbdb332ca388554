import { ProxyError } from '../../src/core/proxy-error.js'
import type { Approach } from '../../src/core/approach.js'

/**
 * An approach another one runs inside itself (`router`, `privacy`), with its options validated: unknown slugs,
 * the wrapping plugins themselves and bad options are a 400.
 * @example const inner = await resolveInnerApproach('moa', {}, ['privacy', 'router'])
 */
export async function resolveInnerApproach(slug: string, options: unknown, refused: string[]): Promise<{ approach: Approach<unknown>; options: unknown }> {
  // the registry imports every approach, this module's callers included: it is loaded when first needed
  const { approachRegistry } = await import('../registry.js')
  const approach = approachRegistry.get(slug)
  if (approach === undefined || refused.includes(slug)) {
    throw new ProxyError(`Approach "${slug}" cannot run here: ${approach === undefined ? 'unknown approach' : 'it would wrap itself'}.`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'optiproxy',
    })
  }
  const parsed = approach.optionsSchema.safeParse(options ?? {})
  if (!parsed.success)
    throw new ProxyError(`Invalid options for "${slug}": ${parsed.error.message}`, { status: 400, type: 'invalid_request_error', param: 'optiproxy' })
  return { approach, options: parsed.data }
}
