import { randomBytes } from 'node:crypto'
import type { ResponseMetadata } from '../core/stream-event.js'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * An OpenAI-style id: the prefix and 29 random base62 characters (`chatcmpl-…`, `cmpl-…`, `call_…`).
 * @example createResponseId('chatcmpl-')
 */
export function createResponseId(prefix: string, length = 29): string {
  const bytes = randomBytes(length)
  let id = prefix
  for (const byte of bytes) id += alphabet[byte % alphabet.length]
  return id
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
