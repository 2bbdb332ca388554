import type { ProxyError } from './proxy-error.js'
import type { Usage } from './usage.js'

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'function-call'

/** One token's log probability, as upstreams that support logprobs report it. */
export interface TokenLogprob {
  token: string
  logprob: number
  bytes: number[] | null
  topLogprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>
}

/** What the upstream said about the response itself (its id, the model snapshot that answered, ...). */
export interface ResponseMetadata {
  id?: string
  model?: string
  created?: number
  systemFingerprint?: string
  serviceTier?: string
}

/**
 * The canonical stream: every approach yields it, every provider produces it, every dialect writes it.
 * A non-streaming response is the fold of the same events (see foldStreamEvents).
 */
export type StreamEvent =
  | { type: 'response-metadata'; metadata: ResponseMetadata }
  | { type: 'text-delta'; choice: number; delta: string; logprobs?: TokenLogprob[] }
  | { type: 'reasoning-delta'; choice: number; delta: string }
  | { type: 'refusal-delta'; choice: number; delta: string; logprobs?: TokenLogprob[] }
  /** `id` and `name` come with the first fragment of each call; `index` tells the calls of one choice apart. */
  | { type: 'tool-call-delta'; choice: number; index: number; id?: string; name?: string; argumentsDelta: string }
  /**
   * `stopSequence`: with finishReason `stop`, the client's stop sequence that ended the answer, when the upstream
   * says which (Anthropic does; OpenAI-compatible upstreams and Gemini do not, so it is absent there).
   */
  | { type: 'finish'; choice: number; finishReason: FinishReason; stopSequence?: string }
  /** Token usage of upstream calls; several usage events add up (fold and writers sum them). */
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; error: ProxyError }
  /**
   * The vendor's own output, as it came, for a request sent natively (ModelRequest.native): one stream event, or
   * (`whole`) the whole answer. The dialect that sent it writes it out verbatim; every other writer skips it. The
   * canonical events of the same answer come beside it (for usage, logs, metrics and the cache).
   */
  | { type: 'native'; dialect: 'anthropic-messages'; payload: unknown; whole: boolean }
