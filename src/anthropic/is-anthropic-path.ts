/**
 * Whether a request path answers in Anthropic's dialect (`/v1/messages` and below), errors included.
 * @example isAnthropicPath('/v1/messages/count_tokens') // true
 */
export function isAnthropicPath(path: string): boolean {
  return path === '/v1/messages' || path.startsWith('/v1/messages/')
}
