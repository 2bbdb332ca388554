import { ProxyError } from '../../src/core/proxy-error.js'

/** `gemini-2.5-flash`, `models/gemini-2.5-flash`, `tunedModels/my-model-123`: a name, never a path, query or fragment. */
const modelNamePattern = /^(?:models\/|tunedModels\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * Refuses a model name that is not a plain Gemini model name before it reaches a URL: the Gemini API puts the name
 * in the path (`/v1beta/models/{name}:generateContent`), so `/`, `%`, `:`, `?`, `#` or `..` in it would send the
 * operator's key to another endpoint (`x/%2e%2e/...`, `gemini-2.5-flash:countTokens#`).
 * @example checkGeminiModelName('gemini-2.5-flash') // passes; checkGeminiModelName('a:countTokens#') throws a 400
 */
export function checkGeminiModelName(model: string): void {
  if (modelNamePattern.test(model) && !model.includes('..')) return
  throw new ProxyError(`The model '${model.slice(0, 200)}' is not a valid Gemini model name.`, {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    code: 'invalid_model',
  })
}
