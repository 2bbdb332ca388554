/**
 * A mock Gemini API on 127.0.0.1: generateContent, streamGenerateContent?alt=sse (`data: <json>` events separated
 * by CRLF CRLF, as Google sends them) and the model list, written by us from the docs and @google/genai's types.
 */
import type { MockHandler, MockReply, RecordedRequest } from './mock-openai-upstream.js'
import { startMockVendorUpstream, type MockVendorUpstream } from './mock-vendor-upstream.js'

export type GeminiWireResponse = Record<string, unknown>

/** Gemini's SSE framing: `data: <json>\r\n\r\n`. */
export function formatGeminiEvents(chunks: GeminiWireResponse[]): string[] {
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`)
}

export interface GeminiUsageInput {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  cachedContentTokenCount?: number
}

/** usageMetadata as Gemini reports it (cumulative in every chunk). */
export function buildGeminiUsage(input: GeminiUsageInput = {}): Record<string, unknown> {
  const prompt = input.promptTokenCount ?? 8
  const candidates = input.candidatesTokenCount ?? 12
  const usage: Record<string, unknown> = {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + (input.thoughtsTokenCount ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  }
  if (input.thoughtsTokenCount !== undefined) usage.thoughtsTokenCount = input.thoughtsTokenCount
  if (input.cachedContentTokenCount !== undefined) usage.cachedContentTokenCount = input.cachedContentTokenCount
  return usage
}

/** One GenerateContentResponse (whole, or one chunk of a stream). */
export function buildGeminiResponse(
  parts: Array<Record<string, unknown>>,
  options: { finishReason?: string; usage?: GeminiUsageInput; index?: number } = {},
): GeminiWireResponse {
  return {
    candidates: [
      { content: { parts, role: 'model' }, ...(options.finishReason === undefined ? {} : { finishReason: options.finishReason }), index: options.index ?? 0 },
    ],
    usageMetadata: buildGeminiUsage(options.usage),
    modelVersion: 'gemini-2.0-flash',
    responseId: 'mcjoaOPUJY6Wz7IP0YWJ4Q4',
  }
}

/** A streamed text answer: one chunk per piece, the last with finishReason STOP. */
export function buildGeminiTextChunks(pieces: string[], finishReason = 'STOP'): GeminiWireResponse[] {
  return pieces.map((text, index) => buildGeminiResponse([{ text }], index === pieces.length - 1 ? { finishReason } : {}))
}

/** Google's error body: `{"error":{"code":...,"message":"...","status":"..."}}`. */
export function buildGeminiError(code: number, status: string, message: string, details?: unknown[]): Record<string, unknown> {
  return { error: { code, message, status, ...(details === undefined ? {} : { details }) } }
}

/** An SSE reply in Gemini's framing. */
export function replyWithGeminiEvents(chunks: GeminiWireResponse[], extra: Partial<Extract<MockReply, { kind: 'sse' }>> = {}): MockReply {
  return { kind: 'sse', events: formatGeminiEvents(chunks), done: false, ...extra }
}

/**
 * The default answers: streamGenerateContent and generateContent with a short text, GET /v1beta/models with two models.
 */
export const replyAsGemini: MockHandler = (request: RecordedRequest) => {
  const pathname = new URL(request.path, 'http://mock').pathname
  if (request.method === 'POST' && pathname.endsWith(':streamGenerateContent'))
    return replyWithGeminiEvents(buildGeminiTextChunks(['Hello from ', 'the Gemini mock.']))
  if (request.method === 'POST' && pathname.endsWith(':generateContent'))
    return { kind: 'json', body: buildGeminiResponse([{ text: 'Hello from the Gemini mock.' }], { finishReason: 'STOP' }) }
  if (request.method === 'GET' && pathname === '/v1beta/models') {
    return {
      kind: 'json',
      body: {
        models: [
          { name: 'models/gemini-2.0-flash', displayName: 'Gemini 2.0 Flash', supportedGenerationMethods: ['generateContent', 'countTokens'] },
          { name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', supportedGenerationMethods: ['generateContent', 'countTokens'] },
        ],
      },
    }
  }
  return { kind: 'json', status: 404, body: buildGeminiError(404, 'NOT_FOUND', `Not found: ${request.method} ${pathname}`) }
}

/**
 * Starts a mock Gemini API; point @google/genai (httpOptions.baseUrl, or GEMINI_BASE_URL) at `baseURL`.
 * @example const gemini = await startMockGeminiUpstream(); new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: gemini.baseURL } })
 */
export function startMockGeminiUpstream(): Promise<MockVendorUpstream> {
  return startMockVendorUpstream(replyAsGemini)
}
