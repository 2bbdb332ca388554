import { z } from 'zod'
import type { DatasetMessage } from './eval-item.js'

/** Something that answers a fetch Request: the proxy app in-process (`app.request`) or the network (`fetch`). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

export interface ChatCall {
  model: string
  approach: string
  messages: DatasetMessage[]
  signal: AbortSignal
}

export interface ChatOutcome {
  /** The answer's text; empty after an error. */
  text: string
  /** Upstream calls the proxy made (its `x-optiproxy-upstream-calls` header; 1 when a proxy does not send it). */
  calls: number
  tokens: { prompt: number; completion: number }
  latencyMs: number
  /** The error message of a failed request (HTTP status and the proxy's message). */
  error: string | null
}

export interface ChatClient {
  complete(call: ChatCall): Promise<ChatOutcome>
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).optional(),
})
const errorSchema = z.object({ error: z.object({ message: z.string() }) })

/** Longest answer body read, in bytes. */
const maxBodyBytes = 16 * 1024 ** 2

/**
 * A Chat Completions client over any fetch: the approach goes in `optillm_approach`, so model names keep their dashes.
 * Non-streaming; the proxy's usage is the sum over every upstream call of the approach.
 * @example const client = createChatClient((url, init) => app.request(url, init), 'http://optiproxy.local/v1', undefined)
 */
export function createChatClient(fetchLike: FetchLike, baseUrl: string, apiKey: string | undefined): ChatClient {
  const url = `${baseUrl.replace(/\/+$/, '')}/chat/completions`
  return {
    async complete(call) {
      const started = performance.now()
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`
      const response = await fetchLike(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: call.model, messages: call.messages, optillm_approach: call.approach }),
        signal: call.signal,
      })
      const body = await readBoundedText(response)
      const latencyMs = Math.round(performance.now() - started)
      const header = Number(response.headers.get('x-optiproxy-upstream-calls') ?? Number.NaN)
      const calls = Number.isInteger(header) && header >= 0 ? header : 1
      const failed = (error: string): ChatOutcome => ({ text: '', calls, tokens: { prompt: 0, completion: 0 }, latencyMs, error })
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        return failed(`HTTP ${response.status}: the answer is not JSON`)
      }
      if (!response.ok) {
        const parsed = errorSchema.safeParse(json)
        return failed(`HTTP ${response.status}: ${parsed.success ? parsed.data.error.message : 'error'}`.slice(0, 500))
      }
      const parsed = completionSchema.safeParse(json)
      if (!parsed.success) return failed('the answer is not a chat completion')
      const usage = parsed.data.usage
      return {
        text: parsed.data.choices[0]?.message.content ?? '',
        calls,
        tokens: { prompt: usage?.prompt_tokens ?? 0, completion: usage?.completion_tokens ?? 0 },
        latencyMs,
        error: null,
      }
    },
  }
}

async function readBoundedText(response: Response): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > maxBodyBytes) {
    await response.body?.cancel()
    return ''
  }
  const text = await response.text()
  return text.length > maxBodyBytes ? '' : text
}
