/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI wire format, for tests that need an
 * upstream: JSON replies, SSE streams (with delays, malformed chunks, mid-stream socket death),
 * hanging requests, plus builders for payloads shaped exactly like the ones OpenAI sends.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type OpenAI from 'openai'

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** One request received by the mock, recorded once its body has been read. */
export interface RecordedRequest {
  method: string
  /** Request target as sent (path plus query string, e.g. `/v1/chat/completions`). */
  path: string
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown
  rawBody: string
}

/** What the mock answers to one request. */
export type MockReply =
  | { kind: 'json'; status?: number; headers?: Record<string, string>; body: unknown }
  | {
      kind: 'sse'
      status?: number
      headers?: Record<string, string>
      /** Objects are written as `data: <json>\n\n`; strings are written verbatim (for malformed chunks, comments…). */
      events: unknown[]
      /** Delay between events in ms (0 or absent: all events written synchronously). */
      delayMs?: number
      /** Delay before the status line and headers are sent. */
      firstByteDelayMs?: number
      /** Append `data: [DONE]\n\n` after the events (default true). */
      done?: boolean
      /** Destroy the socket after this many events, simulating an upstream that dies mid-stream. */
      destroyAfter?: number
    }
  | { kind: 'raw'; status?: number; headers?: Record<string, string> /** Bytes are sent as they are; a string as UTF-8. */; body: string | Uint8Array }
  /** Read the request, never answer; the socket stays open until the client closes it. */
  | { kind: 'hang' }

/** Computes the reply to a recorded request. */
export type MockHandler = (request: RecordedRequest) => MockReply | Promise<MockReply>

/** A running mock upstream. */
export interface MockUpstream {
  /** OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string
  /** Requests received since start or the last reset(), in arrival order. */
  requests: RecordedRequest[]
  setHandler(handler: MockHandler): void
  /** Clears `requests`, resets `closedEarly` and `connections` to 0 and restores the default handler. */
  reset(): void
  /**
   * Resolves once `count` requests (default 1, counted since start or the last reset()) had their
   * connection closed by the client before the mock finished its reply; rejects after `timeoutMs`
   * (default 5000).
   */
  waitForClosed(count?: number, timeoutMs?: number): Promise<void>
  /** How many requests had their connection closed by the client before the reply was complete. */
  readonly closedEarly: number
  /** Requests currently open. */
  readonly inFlight: number
  /** TCP connections accepted since start or the last reset(): with keep-alive, fewer than requests. */
  readonly connections: number
  /** Closes the server and every open socket. */
  close(): Promise<void>
}

export type ChatFinishReason = OpenAI.ChatCompletion.Choice['finish_reason']
export type TextFinishReason = OpenAI.CompletionChoice['finish_reason']
export type ChatLogprobs = OpenAI.ChatCompletion.Choice.Logprobs

/** Token counts for a usage object; missing counts get plausible defaults. */
export interface UsageInput {
  promptTokens?: number
  completionTokens?: number
  cachedTokens?: number
  reasoningTokens?: number
}

export interface ToolCallInput {
  /** Defaults to a random `call_…` id. */
  id?: string
  name: string
  /** JSON text of the arguments, as the model produced it. */
  arguments: string
}

export interface ChatChoiceInput {
  content?: string | null
  toolCalls?: ToolCallInput[]
  finishReason?: ChatFinishReason
  logprobs?: ChatLogprobs | null
}

export interface BuildChatCompletionOptions {
  id?: string
  model?: string
  created?: number
  systemFingerprint?: string
  /** Message content; defaults to a greeting, or null when only tool calls are given. */
  content?: string | null
  toolCalls?: ToolCallInput[]
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: ChatFinishReason
  /** Token counts, or null to omit `usage`. */
  usage?: UsageInput | null
  /** One entry per choice (n > 1); when given, content/toolCalls/finishReason apply only as defaults. */
  choices?: ChatChoiceInput[]
  /** Logprobs for every choice that does not set its own; default null. */
  logprobs?: ChatLogprobs | null
}

/** A chat chunk as sent on the wire: the SDK type plus the `obfuscation` padding field. */
export type ChatCompletionChunkPayload = OpenAI.ChatCompletionChunk & { obfuscation?: string }

export interface ToolCallChunksInput {
  id?: string
  name: string
  /** Argument fragments, streamed one per chunk. */
  argumentsChunks: string[]
}

export interface BuildChatCompletionChunksOptions {
  id?: string
  model?: string
  created?: number
  systemFingerprint?: string
  /** Content pieces, one per chunk. Defaults to a short greeting unless tool calls are given. */
  text?: string[]
  toolCalls?: ToolCallChunksInput[]
  finishReason?: ChatFinishReason
  /** As `stream_options.include_usage`: `usage: null` on every chunk plus a final `choices: []` usage chunk. */
  includeUsage?: boolean
  usage?: UsageInput
  /** Number of choices (n); each gets the same content, chunks are interleaved. Default 1. */
  choices?: number
  /** Add the `obfuscation` padding field OpenAI sends by default (default false). */
  obfuscation?: boolean
}

export interface TextChoiceInput {
  text?: string
  finishReason?: TextFinishReason
}

export interface BuildTextCompletionOptions {
  id?: string
  model?: string
  created?: number
  systemFingerprint?: string
  text?: string
  finishReason?: TextFinishReason
  /** Token counts, or null to omit `usage`. */
  usage?: UsageInput | null
  choices?: TextChoiceInput[]
  logprobs?: OpenAI.CompletionChoice.Logprobs | null
}

/**
 * A legacy streamed completion chunk. Unlike the non-stream object, intermediate chunks carry
 * `finish_reason: null` (and `usage: null` with include_usage), which the SDK type does not allow.
 */
export interface TextCompletionChunkPayload {
  id: string
  object: 'text_completion'
  created: number
  choices: Array<Omit<OpenAI.CompletionChoice, 'finish_reason'> & { finish_reason: TextFinishReason | null }>
  model: string
  usage?: OpenAI.CompletionUsage | null
}

export interface BuildTextCompletionChunksOptions {
  id?: string
  model?: string
  created?: number
  text?: string[]
  finishReason?: TextFinishReason
  includeUsage?: boolean
  usage?: UsageInput
  choices?: number
}

export interface ModelListPayload {
  object: 'list'
  data: OpenAI.Model[]
}

export interface ErrorBodyInput {
  message: string
  type: string
  param?: string | null
  code?: string | null
}

export interface ErrorBodyPayload {
  error: { message: string; type: string; param: string | null; code: string | null }
}

// ---------------------------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------------------------

const DEFAULT_CHAT_MODEL = 'gpt-4o-mini-2024-07-18'
const DEFAULT_TEXT_MODEL = 'gpt-3.5-turbo-instruct'
const DEFAULT_CHAT_CONTENT = 'Hello! How can I help you today?'
const DEFAULT_TEXT = '\n\nThis is a test.'
const DEFAULT_MODEL_IDS = ['gpt-4o-mini', 'gpt-4o', 'gpt-3.5-turbo-instruct', 'text-embedding-3-small']
const MODEL_CREATED = 1_715_367_049
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function generateRandomString(length: number, alphabet: string = ALPHANUMERIC): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

function generateChatCompletionId(): string {
  return `chatcmpl-${generateRandomString(29)}`
}

function generateTextCompletionId(): string {
  return `cmpl-${generateRandomString(29)}`
}

function generateToolCallId(): string {
  return `call_${generateRandomString(24)}`
}

function generateSystemFingerprint(): string {
  return `fp_${generateRandomString(10, '0123456789abcdef')}`
}

function generateRequestId(): string {
  return `req_${generateRandomString(32, '0123456789abcdef')}`
}

function getUnixTime(): number {
  return Math.floor(Date.now() / 1000)
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

/**
 * Builds a chat-style usage object with every detail field OpenAI sends.
 * @param input Token counts; prompt defaults to 12, completion to 8, cached/reasoning to 0.
 */
export function buildUsage(input: UsageInput = {}): OpenAI.CompletionUsage {
  const promptTokens = input.promptTokens ?? 12
  const completionTokens = input.completionTokens ?? 8
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: input.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: input.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

/** Legacy /v1/completions usage: only the three totals. */
function buildPlainUsage(input: UsageInput, defaultCompletionTokens: number): OpenAI.CompletionUsage {
  const promptTokens = input.promptTokens ?? 5
  const completionTokens = input.completionTokens ?? defaultCompletionTokens
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
}

function buildMessageToolCall(toolCall: ToolCallInput): OpenAI.ChatCompletionMessageFunctionToolCall {
  return {
    id: toolCall.id ?? generateToolCallId(),
    type: 'function',
    function: { name: toolCall.name, arguments: toolCall.arguments },
  }
}

/**
 * Builds a non-streamed `chat.completion` object exactly as OpenAI returns it.
 * @param options Content, tool calls, choices (n > 1), usage and ids; everything has defaults.
 */
export function buildChatCompletion(options: BuildChatCompletionOptions = {}): OpenAI.ChatCompletion {
  const defaultChoice: ChatChoiceInput = {}
  if (options.content !== undefined) defaultChoice.content = options.content
  if (options.toolCalls !== undefined) defaultChoice.toolCalls = options.toolCalls
  if (options.finishReason !== undefined) defaultChoice.finishReason = options.finishReason
  const choiceInputs = options.choices ?? [defaultChoice]

  let completionText = ''
  const choices = choiceInputs.map((input, index): OpenAI.ChatCompletion.Choice => {
    const toolCalls = input.toolCalls ?? (options.choices ? options.toolCalls : undefined) ?? []
    const hasToolCalls = toolCalls.length > 0
    const fallbackContent = options.choices && options.content !== undefined ? options.content : undefined
    const content = input.content !== undefined ? input.content : (fallbackContent ?? (hasToolCalls ? null : DEFAULT_CHAT_CONTENT))
    const message: OpenAI.ChatCompletionMessage = {
      role: 'assistant',
      content,
      ...(hasToolCalls ? { tool_calls: toolCalls.map(buildMessageToolCall) } : {}),
      refusal: null,
      annotations: [],
    }
    completionText += (content ?? '') + toolCalls.map((call) => call.name + call.arguments).join('')
    return {
      index,
      message,
      logprobs: input.logprobs !== undefined ? input.logprobs : (options.logprobs ?? null),
      finish_reason: input.finishReason ?? options.finishReason ?? (hasToolCalls ? 'tool_calls' : 'stop'),
    }
  })

  const completion: OpenAI.ChatCompletion = {
    id: options.id ?? generateChatCompletionId(),
    object: 'chat.completion',
    created: options.created ?? getUnixTime(),
    model: options.model ?? DEFAULT_CHAT_MODEL,
    choices,
  }
  if (options.usage !== null) {
    completion.usage = buildUsage({ completionTokens: estimateTokens(completionText), ...options.usage })
  }
  completion.service_tier = 'default'
  completion.system_fingerprint = options.systemFingerprint ?? generateSystemFingerprint()
  return completion
}

type ChunkDelta = OpenAI.ChatCompletionChunk.Choice.Delta

function buildChoiceDeltas(text: string[], toolCalls: ToolCallChunksInput[], toolCallIds: string[]): ChunkDelta[] {
  const deltas: ChunkDelta[] = []
  const toolCallDeltas: ChunkDelta[] = []
  toolCalls.forEach((toolCall, index) => {
    toolCallDeltas.push({
      tool_calls: [{ index, id: toolCallIds[index] ?? generateToolCallId(), type: 'function', function: { name: toolCall.name, arguments: '' } }],
    })
    for (const fragment of toolCall.argumentsChunks) {
      toolCallDeltas.push({ tool_calls: [{ index, function: { arguments: fragment } }] })
    }
  })

  const firstToolCallDelta = toolCallDeltas[0]
  if (text.length === 0 && firstToolCallDelta !== undefined) {
    // Tool-call-only streams: the role rides on the first tool call fragment, with null content.
    deltas.push({ role: 'assistant', content: null, tool_calls: firstToolCallDelta.tool_calls ?? [], refusal: null })
    deltas.push(...toolCallDeltas.slice(1))
    return deltas
  }
  deltas.push({ role: 'assistant', content: '', refusal: null })
  for (const piece of text) deltas.push({ content: piece })
  deltas.push(...toolCallDeltas)
  return deltas
}

function generateObfuscation(): string {
  return generateRandomString(1 + ((randomBytes(1)[0] ?? 0) % 12))
}

/**
 * Builds the `chat.completion.chunk` objects of one streamed chat completion, exactly as OpenAI
 * streams them: a role chunk per choice, content chunks, tool call fragments, a final `delta: {}`
 * chunk with the finish reason per choice, and (includeUsage) a last `choices: []` usage chunk.
 * @param options Text pieces, tool calls, n, usage and ids; everything has defaults.
 */
export function buildChatCompletionChunks(options: BuildChatCompletionChunksOptions = {}): ChatCompletionChunkPayload[] {
  const id = options.id ?? generateChatCompletionId()
  const created = options.created ?? getUnixTime()
  const model = options.model ?? DEFAULT_CHAT_MODEL
  const systemFingerprint = options.systemFingerprint ?? generateSystemFingerprint()
  const toolCalls = options.toolCalls ?? []
  const text = options.text ?? (toolCalls.length > 0 ? [] : ['Hello', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'])
  const choiceCount = Math.max(1, options.choices ?? 1)
  const finishReason = options.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop')

  const makeChunk = (choices: OpenAI.ChatCompletionChunk.Choice[]): ChatCompletionChunkPayload => {
    const chunk: ChatCompletionChunkPayload = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: systemFingerprint,
      choices,
    }
    if (options.includeUsage) chunk.usage = null
    if (options.obfuscation) chunk.obfuscation = generateObfuscation()
    return chunk
  }

  const perChoiceDeltas: ChunkDelta[][] = []
  for (let index = 0; index < choiceCount; index += 1) {
    const toolCallIds = toolCalls.map((call) => call.id ?? generateToolCallId())
    perChoiceDeltas.push(buildChoiceDeltas(text, toolCalls, toolCallIds))
  }

  const chunks: ChatCompletionChunkPayload[] = []
  const steps = Math.max(...perChoiceDeltas.map((deltas) => deltas.length))
  for (let step = 0; step < steps; step += 1) {
    perChoiceDeltas.forEach((deltas, index) => {
      const delta = deltas[step]
      if (delta !== undefined) chunks.push(makeChunk([{ index, delta, logprobs: null, finish_reason: null }]))
    })
  }
  for (let index = 0; index < choiceCount; index += 1) {
    chunks.push(makeChunk([{ index, delta: {}, logprobs: null, finish_reason: finishReason }]))
  }

  if (options.includeUsage) {
    const generated = text.join('') + toolCalls.map((call) => call.name + call.argumentsChunks.join('')).join('')
    const usageChunk = makeChunk([])
    usageChunk.usage = buildUsage({ completionTokens: estimateTokens(generated) * choiceCount, ...options.usage })
    chunks.push(usageChunk)
  }
  return chunks
}

/**
 * Builds a non-streamed legacy `text_completion` object (POST /v1/completions).
 * @param options Text, choices (n > 1), usage and ids; everything has defaults.
 */
export function buildTextCompletion(options: BuildTextCompletionOptions = {}): OpenAI.Completion {
  const choiceInputs = options.choices ?? [{}]
  let generated = ''
  const choices = choiceInputs.map((input, index): OpenAI.CompletionChoice => {
    const text = input.text ?? options.text ?? DEFAULT_TEXT
    generated += text
    return {
      text,
      index,
      logprobs: options.logprobs ?? null,
      finish_reason: input.finishReason ?? options.finishReason ?? 'stop',
    }
  })
  const completion: OpenAI.Completion = {
    id: options.id ?? generateTextCompletionId(),
    object: 'text_completion',
    created: options.created ?? getUnixTime(),
    model: options.model ?? DEFAULT_TEXT_MODEL,
    system_fingerprint: options.systemFingerprint ?? generateSystemFingerprint(),
    choices,
  }
  if (options.usage !== null) completion.usage = buildPlainUsage(options.usage ?? {}, estimateTokens(generated))
  return completion
}

/**
 * Builds the chunks of a streamed legacy completion as OpenAI sends them: one chunk per text piece
 * and choice with `finish_reason: null`, a final empty-text chunk per choice carrying the finish
 * reason and (includeUsage) a last `choices: []` chunk with the usage.
 * @param options Text pieces, n, usage and ids; everything has defaults.
 */
export function buildTextCompletionChunks(options: BuildTextCompletionChunksOptions = {}): TextCompletionChunkPayload[] {
  const id = options.id ?? generateTextCompletionId()
  const created = options.created ?? getUnixTime()
  const model = options.model ?? DEFAULT_TEXT_MODEL
  const text = options.text ?? ['\n\n', 'This', ' is', ' a', ' test', '.']
  const choiceCount = Math.max(1, options.choices ?? 1)

  const makeChunk = (choices: TextCompletionChunkPayload['choices']): TextCompletionChunkPayload => {
    const chunk: TextCompletionChunkPayload = { id, object: 'text_completion', created, choices, model }
    if (options.includeUsage) chunk.usage = null
    return chunk
  }

  const chunks: TextCompletionChunkPayload[] = []
  for (const piece of text) {
    for (let index = 0; index < choiceCount; index += 1) {
      chunks.push(makeChunk([{ text: piece, index, logprobs: null, finish_reason: null }]))
    }
  }
  for (let index = 0; index < choiceCount; index += 1) {
    chunks.push(makeChunk([{ text: '', index, logprobs: null, finish_reason: options.finishReason ?? 'stop' }]))
  }
  if (options.includeUsage) {
    const usageChunk = makeChunk([])
    usageChunk.usage = buildPlainUsage(options.usage ?? {}, estimateTokens(text.join('')) * choiceCount)
    chunks.push(usageChunk)
  }
  return chunks
}

/**
 * Builds a GET /v1/models list.
 * @param ids Model ids to list.
 */
export function buildModelList(ids: string[]): ModelListPayload {
  return { object: 'list', data: ids.map((id) => buildModel(id)) }
}

/**
 * Builds one model object (GET /v1/models/{model}).
 * @param id Model id.
 */
export function buildModel(id: string): OpenAI.Model {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'system' }
}

/**
 * Builds an OpenAI error body: `{ error: { message, type, param, code } }`, param/code null by default.
 * @param input Message, type (e.g. `invalid_request_error`), optional param and code.
 */
export function buildErrorBody(input: ErrorBodyInput): ErrorBodyPayload {
  return { error: { message: input.message, type: input.type, param: input.param ?? null, code: input.code ?? null } }
}

// ---------------------------------------------------------------------------------------------
// Default handler
// ---------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function getRequestPathname(request: RecordedRequest): string {
  return new URL(request.path, 'http://mock.invalid').pathname.replace(/\/+$/, '')
}

function replyWithError(status: number, input: ErrorBodyInput): MockReply {
  return { kind: 'json', status, body: buildErrorBody(input) }
}

function estimatePromptTokens(body: Record<string, unknown>): number {
  const source = body.messages ?? body.prompt ?? ''
  return estimateTokens(typeof source === 'string' ? source : JSON.stringify(source))
}

function readChoiceCount(body: Record<string, unknown>): number {
  return typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 0 ? body.n : 1
}

function readIncludeUsage(body: Record<string, unknown>): boolean {
  return isRecord(body.stream_options) && body.stream_options.include_usage === true
}

type CompletionBodyResult = { ok: true; body: Record<string, unknown> } | { ok: false; reply: MockReply }

function readCompletionBody(request: RecordedRequest): CompletionBodyResult {
  if (!isRecord(request.body)) {
    return {
      ok: false,
      reply: replyWithError(400, {
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        type: 'invalid_request_error',
      }),
    }
  }
  if (typeof request.body.model !== 'string' || request.body.model === '') {
    return { ok: false, reply: replyWithError(400, { message: 'you must provide a model parameter', type: 'invalid_request_error' }) }
  }
  return { ok: true, body: request.body }
}

/** The builders of one endpoint: a whole answer with n empty (default) choices, or its chunks. */
interface CompletionBuilders {
  whole(options: { model: string; usage: UsageInput; choices: number }): unknown
  chunks(options: { model: string; usage: UsageInput; choices: number; includeUsage: boolean }): unknown[]
}

const chatBuilders: CompletionBuilders = {
  whole: ({ model, usage, choices }) => buildChatCompletion({ model, usage, choices: Array.from({ length: choices }, (): ChatChoiceInput => ({})) }),
  chunks: (options) => buildChatCompletionChunks(options),
}

const textBuilders: CompletionBuilders = {
  whole: ({ model, usage, choices }) => buildTextCompletion({ model, usage, choices: Array.from({ length: choices }, (): TextChoiceInput => ({})) }),
  chunks: (options) => buildTextCompletionChunks(options),
}

/** The default answer of a completions endpoint: JSON, or SSE when `stream: true`, honouring `n` and include_usage. */
function replyToCompletion(request: RecordedRequest, builders: CompletionBuilders): MockReply {
  const parsed = readCompletionBody(request)
  if (!parsed.ok) return parsed.reply
  const { body } = parsed
  const options = { model: String(body.model), usage: { promptTokens: estimatePromptTokens(body) }, choices: readChoiceCount(body) }
  if (body.stream === true) return { kind: 'sse', events: builders.chunks({ ...options, includeUsage: readIncludeUsage(body) }) }
  return { kind: 'json', body: builders.whole(options) }
}

/**
 * The mock's default behaviour: POST /v1/chat/completions and POST /v1/completions (JSON, or SSE when
 * `stream: true`, honouring `n` and `stream_options.include_usage`), GET /v1/models and
 * GET /v1/models/{id}; anything else is a 404 with an OpenAI error body. Exported so custom handlers
 * can fall back to it.
 * @param request The recorded request.
 */
export function buildDefaultReply(request: RecordedRequest): MockReply {
  const pathname = getRequestPathname(request)
  const method = request.method.toUpperCase()
  if (method === 'POST' && pathname === '/v1/chat/completions') return replyToCompletion(request, chatBuilders)
  if (method === 'POST' && pathname === '/v1/completions') return replyToCompletion(request, textBuilders)
  if (method === 'GET' && pathname === '/v1/models') return { kind: 'json', body: buildModelList(DEFAULT_MODEL_IDS) }
  const modelMatch = /^\/v1\/models\/([^/]+)$/.exec(pathname)
  if (method === 'GET' && modelMatch?.[1] !== undefined) {
    const modelId = decodeURIComponent(modelMatch[1])
    if (DEFAULT_MODEL_IDS.includes(modelId)) return { kind: 'json', body: buildModel(modelId) }
    return replyWithError(404, {
      message: `The model '${modelId}' does not exist`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    })
  }
  return replyWithError(404, { message: `Invalid URL (${method} ${request.path})`, type: 'invalid_request_error' })
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

interface ClosedWaiter {
  count: number
  resolve: () => void
}

function mergeHeaders(defaults: Record<string, string>, overrides: Record<string, string> | undefined): OutgoingHttpHeaders {
  const merged: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(defaults)) merged[name.toLowerCase()] = value
  for (const [name, value] of Object.entries(overrides ?? {})) merged[name.toLowerCase()] = value
  return merged
}

function readRequestBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return undefined
  try {
    return JSON.parse(rawBody) as unknown
  } catch {
    return undefined
  }
}

function writeChunk(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(data, () => resolve())
  })
}

function formatSseEvent(event: unknown): string {
  return typeof event === 'string' ? event : `data: ${JSON.stringify(event)}\n\n`
}

/**
 * Starts a mock OpenAI upstream on 127.0.0.1.
 * @param options `port` to listen on (default 0: a random free port).
 * @returns The running mock; call `close()` when done.
 */
export async function startMockOpenAIUpstream(options: { port?: number } = {}): Promise<MockUpstream> {
  const requests: RecordedRequest[] = []
  let handler: MockHandler = buildDefaultReply
  let closedEarly = 0
  let inFlight = 0
  let closing = false
  let waiters: ClosedWaiter[] = []
  const shutdown = new AbortController()

  const notifyWaiters = (): void => {
    const ready = waiters.filter((waiter) => closedEarly >= waiter.count)
    waiters = waiters.filter((waiter) => closedEarly < waiter.count)
    for (const waiter of ready) waiter.resolve()
  }

  const pause = async (ms: number): Promise<boolean> => {
    if (ms <= 0) return true
    try {
      await sleep(ms, undefined, { signal: shutdown.signal })
      return true
    } catch {
      return false
    }
  }

  const sendSse = async (res: ServerResponse, reply: Extract<MockReply, { kind: 'sse' }>, destroyedByMock: () => void): Promise<void> => {
    if (!(await pause(reply.firstByteDelayMs ?? 0)) || res.destroyed) return
    res.writeHead(
      reply.status ?? 200,
      mergeHeaders({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': generateRequestId() }, reply.headers),
    )
    res.flushHeaders()
    const delayMs = reply.delayMs ?? 0
    let lastWrite: Promise<void> = Promise.resolve()
    const destroySocket = async (): Promise<void> => {
      await lastWrite
      destroyedByMock()
      res.socket?.destroy()
    }
    for (const [index, event] of reply.events.entries()) {
      if (reply.destroyAfter === index) return destroySocket()
      if (index > 0 && !(await pause(delayMs))) return
      if (res.destroyed) return
      lastWrite = writeChunk(res, formatSseEvent(event))
    }
    // destroyAfter >= events.length: every event is sent, then the connection dies without [DONE].
    if (reply.destroyAfter !== undefined) return destroySocket()
    if (reply.done !== false) {
      if ((reply.events.length > 0 && !(await pause(delayMs))) || res.destroyed) return
      res.write('data: [DONE]\n\n')
    }
    res.end()
  }

  const sendReply = async (res: ServerResponse, reply: MockReply, destroyedByMock: () => void): Promise<void> => {
    switch (reply.kind) {
      case 'hang':
        return
      case 'json':
        res.writeHead(reply.status ?? 200, mergeHeaders({ 'content-type': 'application/json', 'x-request-id': generateRequestId() }, reply.headers))
        res.end(JSON.stringify(reply.body))
        return
      case 'raw':
        res.writeHead(reply.status ?? 200, mergeHeaders({ 'content-type': 'text/plain; charset=utf-8', 'x-request-id': generateRequestId() }, reply.headers))
        res.end(reply.body)
        return
      case 'sse':
        await sendSse(res, reply, destroyedByMock)
        return
    }
  }

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    inFlight += 1
    let destroyedByMock = false
    res.on('close', () => {
      inFlight -= 1
      if (!res.writableEnded && !destroyedByMock && !closing) {
        closedEarly += 1
        notifyWaiters()
      }
    })

    let rawBody: string
    try {
      rawBody = await readRequestBody(req)
    } catch {
      return // the client went away while sending the body
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
      body: parseJsonBody(rawBody),
      rawBody,
    }
    requests.push(request)

    let reply: MockReply
    try {
      reply = await handler(request)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      reply = replyWithError(500, { message: `Mock handler failed: ${message}`, type: 'server_error' })
    }
    if (res.destroyed) return
    await sendReply(res, reply, () => {
      destroyedByMock = true
    })
  }

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify(buildErrorBody({ message: String(error), type: 'server_error' })))
      } else {
        res.destroy()
      }
    })
  })

  let connections = 0
  server.on('connection', () => {
    connections += 1
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get closedEarly() {
      return closedEarly
    },
    get inFlight() {
      return inFlight
    },
    get connections() {
      return connections
    },
    setHandler(next) {
      handler = next
    },
    reset() {
      requests.length = 0
      handler = buildDefaultReply
      closedEarly = 0
      connections = 0
    },
    waitForClosed(count = 1, timeoutMs = 5000) {
      if (closedEarly >= count) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const waiter: ClosedWaiter = {
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        }
        const timer = setTimeout(() => {
          waiters = waiters.filter((candidate) => candidate !== waiter)
          reject(
            new Error(`waitForClosed(${count}) timed out after ${timeoutMs} ms: closedEarly=${closedEarly}, inFlight=${inFlight}, requests=${requests.length}`),
          )
        }, timeoutMs)
        waiters.push(waiter)
      })
    },
    close() {
      closing = true
      shutdown.abort()
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}
