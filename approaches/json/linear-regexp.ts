import type { CodeOptions } from 'ajv'
import { RE2JS } from 're2js'
import { ProxyError } from '../../src/core/proxy-error.js'

/** Longest `pattern` / `patternProperties` key accepted: RE2 compiles in linear time, but bound it anyway. */
const maxPatternChars = 2_000

type RegExpEngine = NonNullable<CodeOptions['regExp']>

/**
 * The regular-expression engine ajv uses for `pattern` and `patternProperties`: RE2 (re2js), which matches in
 * time linear in the input whatever the pattern, instead of JavaScript's backtracking RegExp (a hostile pattern
 * such as `^(a+)+$` against a model's reply would freeze the event loop). A pattern RE2 cannot compile
 * (backreferences, lookaround, bad syntax) is a 400 naming `response_format`.
 * @example new Ajv({ code: { regExp: compileLinearRegExp } }).compile({ type: 'string', pattern: '^(a+)+$' })
 */
export const compileLinearRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): { test: (input: string) => boolean; toString: () => string } => {
    if (pattern.length > maxPatternChars) {
      throw new ProxyError(`A pattern in the response_format schema is longer than ${maxPatternChars} characters.`, {
        status: 400,
        type: 'invalid_request_error',
        param: 'response_format',
      })
    }
    let compiled: RE2JS
    try {
      compiled = RE2JS.compile(pattern)
    } catch (error) {
      throw new ProxyError(
        `The response_format schema has a pattern that is not supported (${JSON.stringify(pattern.slice(0, 200))}: ${error instanceof Error ? error.message : String(error)}); patterns use RE2 syntax: no backreferences or lookaround.`,
        { status: 400, type: 'invalid_request_error', param: 'response_format' },
      )
    }
    // ajv caches compiled patterns by toString(): it must differ between patterns.
    return { test: (input: string) => compiled.test(input), toString: () => `re2:${flags}:${pattern}` }
  },
  { code: 'compileLinearRegExp' },
)
