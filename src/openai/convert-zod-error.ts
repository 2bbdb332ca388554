import type { z } from 'zod'
import { createInvalidRequestError, type ProxyError } from '../core/proxy-error.js'

/**
 * Formats a zod issue path the way OpenAI names parameters: `messages[0].content[1].image_url`.
 * @example formatParam(['messages', 0, 'role']) // 'messages[0].role'
 */
export function formatParam(path: ReadonlyArray<PropertyKey>): string {
  let param = ''
  for (const key of path) {
    if (typeof key === 'number') param += `[${key}]`
    else param += param === '' ? String(key) : `.${String(key)}`
  }
  return param
}

/** The deepest, most specific issue: for unions, the branch that got furthest. */
function pickIssue(issues: ReadonlyArray<z.core.$ZodIssue>): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined
  for (const issue of issues) {
    let candidate = issue
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const nested = issue.errors.map((branch) => pickIssue(branch)).filter((entry) => entry !== undefined)
      const deepest = nested.sort((a, b) => b.path.length - a.path.length)[0]
      if (deepest !== undefined && deepest.path.length > 0) candidate = { ...deepest, path: [...issue.path, ...deepest.path] }
    }
    if (best === undefined || candidate.path.length > best.path.length) best = candidate
  }
  return best
}

/**
 * Turns a failed request validation into a 400 whose `param` names the field and whose message says what is wrong.
 * Needs the parse to have run with `reportInput: true` to tell a missing field from a wrong one.
 */
export function convertZodError(error: z.ZodError): ProxyError {
  const issue = pickIssue(error.issues)
  if (issue === undefined) return createInvalidRequestError('The request body is invalid.')
  const param = formatParam(issue.path)
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return createInvalidRequestError(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter')
  }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    const keyParam = param === '' ? key : `${param}.${key}`
    return createInvalidRequestError(`Unrecognized parameter: '${keyParam}'.`, keyParam, 'unknown_parameter')
  }
  const where = param === '' ? 'the request body' : `'${param}'`
  return createInvalidRequestError(`Invalid value for ${where}: ${issue.message}.`, param === '' ? null : param, 'invalid_value')
}
