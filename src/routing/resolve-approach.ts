import type { Approach } from '../../approaches/types.js'
import type { Message } from '../core/message.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'

const tagPattern = /<optillm_approach>\s*([^<]*?)\s*<\/optillm_approach>/

export interface ApproachSelection {
  approach: Approach<unknown>
  /** Where the choice came from, for logs and tests. */
  source: 'message-tag' | 'request-field' | 'model-prefix' | 'default'
  /** The request to run: model name without the approach prefix, the tag removed from the messages. */
  request: ModelRequest
}

export interface ResolveApproachInput {
  request: ModelRequest
  /** `optillm_approach` (or `approach`) from the request body. */
  field?: string
  /** The body field's name, for the error's `param`. */
  fieldName?: string
  defaultSlug: string
  registry: ReadonlyMap<string, Approach<unknown>>
}

/**
 * Chooses the approach for a request, in OptiLLM's order of precedence:
 * 1. an `<optillm_approach>slug</optillm_approach>` tag in a system message, else in the first user message
 *    (the tag is removed before the request goes anywhere);
 * 2. the `optillm_approach` request field (also accepted as `approach`); `auto` means "not set";
 * 3. the model-name prefix: `moa-gpt-4o-mini` runs `moa` on `gpt-4o-mini`;
 * 4. the configured default (`none` unless set).
 * A model prefix that is a known slug is always removed from the model name, whichever source wins.
 * A prefix that is not a known slug is part of the model name (`gpt-4o`, `meta-llama/llama-3.3-70b`).
 * An unknown slug in a tag or field is a 400 that lists the known slugs.
 */
export function resolveApproach(input: ResolveApproachInput): ApproachSelection {
  const { registry } = input
  let request = input.request
  const lookup = (slug: string, param: string): Approach<unknown> => {
    const approach = registry.get(slug)
    if (approach === undefined) {
      throw createInvalidRequestError(
        `Unknown approach '${slug}'. Known approaches: ${[...registry.keys()].join(', ')}.`,
        param,
        'unknown_approach',
      )
    }
    return approach
  }

  const dash = request.model.indexOf('-')
  const prefix = dash > 0 ? request.model.slice(0, dash) : undefined
  const prefixApproach = prefix === undefined ? undefined : registry.get(prefix)
  if (prefixApproach !== undefined) request = { ...request, model: request.model.slice(dash + 1) }

  const tagged = extractApproachTag(request.messages)
  if (tagged !== undefined) {
    request = { ...request, messages: tagged.messages }
    if (tagged.slug !== '' && tagged.slug !== 'auto') return { approach: lookup(tagged.slug, 'messages'), source: 'message-tag', request }
  }
  const field = input.field?.trim()
  if (field !== undefined && field !== '' && field !== 'auto') {
    return { approach: lookup(field, input.fieldName ?? 'optillm_approach'), source: 'request-field', request }
  }
  if (prefixApproach !== undefined) return { approach: prefixApproach, source: 'model-prefix', request }
  return { approach: lookup(input.defaultSlug, 'model'), source: 'default', request }
}

/** Finds the approach tag in the system messages, else in the first user message, and returns the messages without it. */
function extractApproachTag(messages: Message[]): { slug: string; messages: Message[] } | undefined {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Message
    if (message.role !== 'system') continue
    const match = tagPattern.exec(message.content)
    if (match === null) continue
    const content = message.content.replace(tagPattern, '').trim()
    const rest = messages.filter((_, position) => position !== index)
    // a system message that held only the tag disappears
    if (content !== '') rest.splice(index, 0, { ...message, content })
    return { slug: match[1] ?? '', messages: rest }
  }
  const userIndex = messages.findIndex((message) => message.role === 'user')
  const user = messages[userIndex]
  if (user?.role !== 'user') return undefined
  for (let partIndex = 0; partIndex < user.content.length; partIndex++) {
    const part = user.content[partIndex]
    if (part?.type !== 'text') continue
    const match = tagPattern.exec(part.text)
    if (match === null) continue
    const content = user.content.map((entry, position) => (position === partIndex ? { type: 'text' as const, text: part.text.replace(tagPattern, '').trim() } : entry))
    const updated = messages.slice()
    updated[userIndex] = { ...user, content }
    return { slug: match[1] ?? '', messages: updated }
  }
  return undefined
}
