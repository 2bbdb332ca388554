import type { Message } from './message.js'

export interface ToolDefinition {
  name: string
  description?: string
  /** JSON Schema of the arguments, kept verbatim. */
  parameters?: Record<string, unknown>
  strict?: boolean
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'tool'; name: string }

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json-object' }
  | { type: 'json-schema'; name: string; schema?: Record<string, unknown>; description?: string; strict?: boolean }

/**
 * The client's own request in a vendor's dialect, kept for a provider that speaks the same dialect: it sends `body`
 * as it came (model name replaced by the routed one), so nothing is lost in translation. Set only for a request
 * that runs as `none` (one upstream call); every other provider ignores it and uses the canonical fields.
 */
export interface NativeRequest {
  dialect: 'anthropic-messages'
  /** `messages`: an answer; `count-tokens`: the vendor's token count of the request. */
  operation: 'messages' | 'count-tokens'
  body: Record<string, unknown>
  /** Vendor headers the client sent that the vendor must see (`anthropic-beta`). */
  headers: Record<string, string>
}

/**
 * The canonical model request. Dialects (src/openai) produce it; providers consume it.
 * `extra` holds request fields the proxy does not interpret: OpenAI-compatible upstreams receive them
 * untouched (vLLM `top_k`, OpenRouter `provider`, Ollama `options`, ...); other providers ignore them.
 */
export interface ModelRequest {
  model: string
  messages: Message[]
  tools?: ToolDefinition[]
  toolChoice?: ToolChoice
  parallelToolCalls?: boolean
  responseFormat?: ResponseFormat
  /** Number of choices to generate. */
  n?: number
  stop?: string[]
  temperature?: number
  topP?: number
  seed?: number
  maxOutputTokens?: number
  /**
   * Which name the client used for the output cap. OpenAI-compatible upstreams get the same name back:
   * older servers know only `max_tokens`, OpenAI reasoning models accept only `max_completion_tokens`.
   */
  maxOutputTokensName?: 'max_tokens' | 'max_completion_tokens'
  frequencyPenalty?: number
  presencePenalty?: number
  reasoningEffort?: string
  logprobs?: boolean
  topLogprobs?: number
  user?: string
  metadata?: Record<string, string>
  extra: Record<string, unknown>
  /** The client's request as it came, for a provider of the same dialect (see NativeRequest). */
  native?: NativeRequest
}
