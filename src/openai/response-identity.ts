import { randomUUID } from 'node:crypto'
import type { ResponseMetadata } from '../core/stream-event.js'

/**
 * An OpenAI-style id: the prefix and up to 32 random characters (`chatcmpl-…`, `cmpl-…`, `call_…`), drawn from
 * randomUUID, whose pooled randomness costs a fraction of a randomBytes call.
 * @example createResponseId('chatcmpl-')
 */
export function createResponseId(prefix: string, length = 29): string {
  return prefix + randomUUID().replaceAll('-', '').slice(0, length)
}

/** What every chunk and body of one response shares: its id, creation time and the answering model. */
export interface ResponseIdentity {
  id: string
  created: number
  /** The model named to the client: the upstream's own name for it once known, else the requested one. */
  model: string
  systemFingerprint?: string
  serviceTier?: string
}

export function createResponseIdentity(prefix: string, requestedModel: string): ResponseIdentity {
  return { id: createResponseId(prefix), created: Math.floor(Date.now() / 1000), model: requestedModel }
}

/** Takes what the upstream said about itself into the identity (its model snapshot, fingerprint, tier). */
export function applyResponseMetadata(identity: ResponseIdentity, metadata: ResponseMetadata): void {
  if (metadata.model !== undefined && metadata.model !== '') identity.model = metadata.model
  if (metadata.systemFingerprint !== undefined) identity.systemFingerprint = metadata.systemFingerprint
  if (metadata.serviceTier !== undefined) identity.serviceTier = metadata.serviceTier
}

export function identityFields(identity: ResponseIdentity): { system_fingerprint?: string; service_tier?: string } {
  return {
    ...(identity.systemFingerprint === undefined ? {} : { system_fingerprint: identity.systemFingerprint }),
    ...(identity.serviceTier === undefined ? {} : { service_tier: identity.serviceTier }),
  }
}
