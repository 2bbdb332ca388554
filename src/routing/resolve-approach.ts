import type { Approach } from '../core/approach.js'
import type { Message } from '../core/message.js'
import { createInvalidRequestError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import { findApproachTag } from './find-approach-tag.js'

/** The most approaches one combination may name (as many as the largest --max-choices). */
const maxExpressionParts = 128

/** How the approaches of a selection combine: one alone, a `&` pipeline, or `|` parallel branches. */
export type ApproachOperator = 'single' | 'pipeline' | 'parallel'

export interface ApproachSelection {
  /** The first (with `single`, the only) approach. */
  approach: Approach<unknown>
  /** Every approach named, in order: `moa&bon` is [moa, bon]. */
  approaches: Array<Approach<unknown>>
  operator: ApproachOperator
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
 * Every source may name a combination, as in OptiLLM: `moa&bon` (a pipeline) or `bon|moa|none` (parallel
 * branches, one choice each); one expression uses one operator.
 * A model prefix that is a known slug or combination is always removed from the model name, whichever source wins.
 * A prefix that is not a known slug is part of the model name (`gpt-4o`, `meta-llama/llama-3.3-70b`); a prefix
 * with `&` or `|` must be a combination of known slugs.
 * An unknown slug in a tag, field or combination is a 400 that lists the known slugs.
 */
export function resolveApproach(input: ResolveApproachInput): ApproachSelection {
  const { registry } = input
  let request = input.request
  const parse = (expression: string, param: string): Pick<ApproachSelection, 'approach' | 'approaches' | 'operator'> =>
    parseApproachExpression(expression, registry, param)

  const dash = request.model.indexOf('-')
  const prefix = dash > 0 ? request.model.slice(0, dash) : undefined
  let prefixSelection: Pick<ApproachSelection, 'approach' | 'approaches' | 'operator'> | undefined
  if (prefix !== undefined && (registry.has(prefix) || /[&|]/.test(prefix))) {
    prefixSelection = parse(prefix, 'model')
    request = { ...request, model: request.model.slice(dash + 1) }
  }

  const tagged = extractApproachTag(request.messages)
  if (tagged !== undefined) {
    request = { ...request, messages: tagged.messages }
    if (tagged.slug !== '' && tagged.slug !== 'auto') return { ...parse(tagged.slug, 'messages'), source: 'message-tag', request }
  }
  const field = input.field?.trim()
  if (field !== undefined && field !== '' && field !== 'auto') {
    return { ...parse(field, input.fieldName ?? 'optillm_approach'), source: 'request-field', request }
  }
  if (prefixSelection !== undefined) return { ...prefixSelection, source: 'model-prefix', request }
  return { ...parse(input.defaultSlug, 'model'), source: 'default', request }
}

/**
 * Parses `slug`, `a&b&c` or `a|b|c` into approaches. Throws a 400 listing the known slugs for an unknown one,
 * and a 400 for an expression that mixes `&` and `|` or has an empty part.
 * @example parseApproachExpression('moa&bon', registry, 'model') // { operator: 'pipeline', approaches: [moa, bon], ... }
 */
export function parseApproachExpression(
  expression: string,
  registry: ReadonlyMap<string, Approach<unknown>>,
  param: string,
): Pick<ApproachSelection, 'approach' | 'approaches' | 'operator'> {
  const hasAnd = expression.includes('&')
  const hasOr = expression.includes('|')
  if (hasAnd && hasOr) {
    throw createInvalidRequestError(
      `Invalid approach '${expression}': use either '&' (pipeline) or '|' (parallel) in one combination, not both.`,
      param,
      'invalid_approach',
    )
  }
  const slugs = expression.split(hasAnd ? '&' : '|', maxExpressionParts + 1).map((slug) => slug.trim())
  if (slugs.length > maxExpressionParts) {
    throw createInvalidRequestError(`Invalid approach: a combination has at most ${maxExpressionParts} approaches.`, param, 'invalid_approach')
  }
  const approaches = slugs.map((slug) => {
    const approach = registry.get(slug)
    if (approach === undefined) {
      const where = slugs.length > 1 ? ` in '${expression}'` : ''
      throw createInvalidRequestError(`Unknown approach '${slug}'${where}. Known approaches: ${[...registry.keys()].join(', ')}.`, param, 'unknown_approach')
    }
    return approach
  })
  const operator = approaches.length === 1 ? 'single' : hasAnd ? 'pipeline' : 'parallel'
  const alone = operator === 'pipeline' ? approaches.find((approach) => approach.runsAlone === true) : undefined
  if (alone !== undefined) {
    throw createInvalidRequestError(
      `Invalid approach '${expression}': '${alone.id}' cannot be a stage of an '&' pipeline; use it alone (or as a '|' branch).`,
      param,
      'invalid_approach',
    )
  }
  return { approach: approaches[0] as Approach<unknown>, approaches, operator }
}

/** Finds the approach tag in the system messages, else in the first user message, and returns the messages without it. */
function extractApproachTag(messages: Message[]): { slug: string; messages: Message[] } | undefined {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Message
    if (message.role !== 'system') continue
    const match = findApproachTag(message.content)
    if (match === undefined) continue
    const content = match.rest
    const rest = messages.filter((_, position) => position !== index)
    // a system message that held only the tag disappears
    if (content !== '') rest.splice(index, 0, { ...message, content })
    return { slug: match.slug, messages: rest }
  }
  const userIndex = messages.findIndex((message) => message.role === 'user')
  const user = messages[userIndex]
  if (user?.role !== 'user') return undefined
  for (let partIndex = 0; partIndex < user.content.length; partIndex++) {
    const part = user.content[partIndex]
    if (part?.type !== 'text') continue
    const match = findApproachTag(part.text)
    if (match === undefined) continue
    const content = user.content.map((entry, position) => (position === partIndex ? { type: 'text' as const, text: match.rest } : entry))
    const updated = messages.slice()
    updated[userIndex] = { ...user, content }
    return { slug: match.slug, messages: updated }
  }
  return undefined
}
