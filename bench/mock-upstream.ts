/**
 * A lean OpenAI Chat Completions upstream for the benchmark. It answers POST /v1/chat/completions in the exact
 * wire format (a `chat.completion` body, or SSE `chat.completion.chunk` frames ending with `data: [DONE]`), with
 * configurable delays. It keeps counters only: nothing grows per request, unless `recordCalls` is on (the fan-out
 * phase), when it also logs each call's arrival and finish times (bounded, emptied by each read).
 *
 * Control routes (used by bench/run.ts, never by the proxies under test):
 *   GET  /__bench/stats   the counters as JSON
 *   POST /__bench/config  JSON with any of the MockUpstreamSettings fields; answers the settings in force
 *   GET  /__bench/calls   the calls logged since the last read (MockUpstreamCall[] as JSON), then forgets them
 * Run directly: `PORT=0 node dist/bench/mock-upstream.js` prints "mock-upstream listening on http://…".
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { readEpochMs } from './measure-utils.js'

export interface MockUpstreamSettings {
  /** Delay before the first byte of an answer (streamed or not). */
  firstByteDelayMs: number
  /** Delay between two frames of a streamed answer. */
  chunkDelayMs: number
  /** Content chunks of a streamed answer; the non-streamed answer carries the same text. */
  contentChunks: number
  /**
   * Extra delay before the first byte, from 0 up to this: call k waits the fractional part of k times the golden
   * ratio of it, so consecutive calls (a fan-out's branches) get different, well spread, reproducible delays.
   */
  firstByteJitterMs: number
  /** 1-10: every answer ends with " Rating: N", so a judge's rating call reads a score; 0: plain answers. */
  answerRating: number
  /** 1: log every chat call (see MockUpstreamCall) for GET /__bench/calls; 0: counters only. */
  recordCalls: number
}

/** One chat call as the mock saw it (logged while `recordCalls` is 1). */
export interface MockUpstreamCall {
  /** The first `bench-request-<id>` marker in the request body, or null: which client request caused the call. */
  tag: string | null
  /** sha256 (hex, 16 characters) of the body's `messages` JSON: calls with the same prompt share it. */
  messagesDigest: string
  stream: boolean
  /** The delay the mock applied before the first byte. */
  delayMs: number
  /** Epoch ms (sub-ms precision) when the request's headers arrived. */
  arrivalEpochMs: number
  /** Epoch ms when the mock wrote the answer's last byte (its `end()`); null while pending or when the client left before. */
  finishEpochMs: number | null
}

/** The most calls the log holds between two reads; later ones are counted in `callsNotLogged` only. */
const maxLoggedCalls = 10_000
const goldenRatio = (1 + Math.sqrt(5)) / 2
const tagPattern = /bench-request-[0-9a-z]+/
const doNothing = (): void => {}

export interface MockUpstreamCounters {
  /** TCP connections accepted: far fewer than requests when the client keeps connections alive. */
  connections: number
  requests: number
  chatRequests: number
  streamRequests: number
  streamsCompleted: number
  /** Streams whose connection the client closed before the mock wrote its last frame. */
  streamsClosedEarly: number
  /** Epoch ms (sub-ms precision) of the latest early stream close; 0 before any. */
  lastEarlyCloseEpochMs: number
  /** Non-streamed answers whose connection closed before they were written. */
  nonStreamClosedEarly: number
  badRequests: number
  /** Calls made while `recordCalls` was on that did not fit in the log. */
  callsNotLogged: number
}

const words = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', ' while', ' the', ' proxy', ' streams', ' every', ' token', '.']
const fingerprint = 'fp_bench01'
const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' }

/** The content text of one answer: the concatenated content chunks, then the rating line when one is set. */
function buildContent(chunks: number, rating: number): string {
  let text = ''
  for (let i = 0; i < chunks; i++) text += words[i % words.length]
  return text + buildRatingLine(rating)
}

function buildRatingLine(rating: number): string {
  return rating >= 1 && rating <= 10 ? ` Rating: ${Math.round(rating)}` : ''
}

function buildUsage(completionTokens: number): string {
  const prompt = 42
  return (
    `{"prompt_tokens":${prompt},"completion_tokens":${completionTokens},"total_tokens":${prompt + completionTokens},` +
    `"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,` +
    `"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`
  )
}

/** Writes a small JSON answer with its content length. */
function sendJson(res: http.ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }))
}

interface ChatBody {
  model: string
  stream: boolean
  includeUsage: boolean
  messages: unknown
}

function readChatBody(raw: Buffer): ChatBody | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw.toString('utf8'))
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object') return undefined
  const body = parsed as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } | null; messages?: unknown }
  if (typeof body.model !== 'string') return undefined
  return {
    model: body.model,
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    messages: body.messages,
  }
}

/** The settings a caller must give; the others default to off (0). */
export type MockUpstreamInitialSettings = Pick<MockUpstreamSettings, 'firstByteDelayMs' | 'chunkDelayMs' | 'contentChunks'> & Partial<MockUpstreamSettings>

/**
 * Creates the mock upstream's HTTP server (not yet listening) with its live counters and settings.
 * @example const mock = createMockUpstream({ firstByteDelayMs: 0, chunkDelayMs: 0, contentChunks: 16 }); mock.server.listen(0)
 */
export function createMockUpstream(initial: MockUpstreamInitialSettings): {
  server: http.Server
  counters: MockUpstreamCounters
  settings: MockUpstreamSettings
} {
  const settings: MockUpstreamSettings = { firstByteJitterMs: 0, answerRating: 0, recordCalls: 0, ...initial }
  const counters: MockUpstreamCounters = {
    connections: 0,
    requests: 0,
    chatRequests: 0,
    streamRequests: 0,
    streamsCompleted: 0,
    streamsClosedEarly: 0,
    lastEarlyCloseEpochMs: 0,
    nonStreamClosedEarly: 0,
    badRequests: 0,
    callsNotLogged: 0,
  }
  let sequence = 0
  let calls: MockUpstreamCall[] = []

  /** The delay before call number `callNumber`'s first byte: the base delay plus its share of the jitter. */
  const readFirstByteDelay = (callNumber: number): number => {
    const { firstByteDelayMs, firstByteJitterMs } = settings
    if (firstByteJitterMs <= 0) return firstByteDelayMs
    return firstByteDelayMs + ((callNumber * goldenRatio) % 1) * firstByteJitterMs
  }

  /**
   * Logs one call (recordCalls on); returns what marks it finished, called right after the answer's last byte is
   * written, so the call is complete in the log before the proxy can have read its answer.
   */
  const logCall = (raw: Buffer, chat: ChatBody, delayMs: number, arrivalEpochMs: number): (() => void) => {
    if (calls.length >= maxLoggedCalls) {
      counters.callsNotLogged++
      return doNothing
    }
    const call: MockUpstreamCall = {
      tag: tagPattern.exec(raw.toString('utf8'))?.[0] ?? null,
      messagesDigest: createHash('sha256')
        .update(JSON.stringify(chat.messages ?? null))
        .digest('hex')
        .slice(0, 16),
      stream: chat.stream,
      delayMs,
      arrivalEpochMs,
      finishEpochMs: null,
    }
    calls.push(call)
    return () => {
      call.finishEpochMs = readEpochMs()
    }
  }

  const answerJson = (res: http.ServerResponse, chat: ChatBody, delayMs: number, markFinished: () => void): void => {
    const id = `chatcmpl-bench${(++sequence).toString(36).padStart(8, '0')}`
    const created = Math.floor(Date.now() / 1000)
    const json =
      `{"id":"${id}","object":"chat.completion","created":${created},"model":${JSON.stringify(chat.model)},"choices":[{"index":0,` +
      `"message":{"role":"assistant","content":${JSON.stringify(buildContent(settings.contentChunks, settings.answerRating))},"refusal":null,"annotations":[]},` +
      `"logprobs":null,"finish_reason":"stop"}],"usage":${buildUsage(settings.contentChunks)},"service_tier":"default","system_fingerprint":"${fingerprint}"}`
    const send = (): void => {
      if (res.destroyed) return
      sendJson(res, 200, json)
      markFinished()
    }
    if (delayMs > 0) {
      const timer = setTimeout(send, delayMs)
      res.once('close', () => clearTimeout(timer))
    } else send()
    res.once('close', () => {
      if (!res.writableEnded) counters.nonStreamClosedEarly++
    })
  }

  const answerStream = (res: http.ServerResponse, chat: ChatBody, delayMs: number, markFinished: () => void): void => {
    counters.streamRequests++
    const { contentChunks, chunkDelayMs } = settings
    const ratingLine = buildRatingLine(settings.answerRating)
    const id = `chatcmpl-bench${(++sequence).toString(36).padStart(8, '0')}`
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(chat.model)},"service_tier":"default","system_fingerprint":"${fingerprint}","choices":`
    const tail = chat.includeUsage ? ',"usage":null}\n\n' : '}\n\n'
    // frames: role, contentChunks contents, [rating line], finish, [usage], [DONE]
    const contentFrames = contentChunks + (ratingLine === '' ? 0 : 1)
    const frameCount = contentFrames + 3 + (chat.includeUsage ? 1 : 0)
    const buildFrame = (index: number): string => {
      if (index === 0) return `${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${tail}`
      if (index <= contentFrames) {
        const text = index <= contentChunks ? (words[(index - 1) % words.length] as string) : ratingLine
        return `${head}[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]${tail}`
      }
      if (index === contentFrames + 1) return `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${tail}`
      if (index === frameCount - 1) return 'data: [DONE]\n\n'
      return `${head}[],"usage":${buildUsage(contentChunks)}}\n\n`
    }
    let next = 0
    let timer: NodeJS.Timeout | undefined
    const writeFrames = (): void => {
      timer = undefined
      if (res.destroyed) return
      if (next === 0) res.writeHead(200, sseHeaders)
      if (chunkDelayMs <= 0) {
        let text = ''
        while (next < frameCount) text += buildFrame(next++)
        res.end(text)
        markFinished()
        return
      }
      const frame = buildFrame(next++)
      if (next === frameCount) {
        res.end(frame)
        markFinished()
      } else {
        res.write(frame)
        timer = setTimeout(writeFrames, chunkDelayMs)
      }
    }
    res.once('close', () => {
      clearTimeout(timer)
      if (res.writableEnded) counters.streamsCompleted++
      else {
        counters.streamsClosedEarly++
        counters.lastEarlyCloseEpochMs = readEpochMs()
      }
    })
    if (delayMs > 0) timer = setTimeout(writeFrames, delayMs)
    else writeFrames()
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer, arrivalEpochMs: number): void => {
    counters.requests++
    const path = req.url ?? '/'
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      const callNumber = ++counters.chatRequests
      const chat = readChatBody(raw)
      if (chat === undefined) {
        counters.badRequests++
        sendError(res, 400, 'The mock upstream expects a JSON body with a string model.')
        return
      }
      const delayMs = readFirstByteDelay(callNumber)
      const markFinished = settings.recordCalls === 1 ? logCall(raw, chat, delayMs, arrivalEpochMs) : doNothing
      if (chat.stream) answerStream(res, chat, delayMs, markFinished)
      else answerJson(res, chat, delayMs, markFinished)
      return
    }
    if (req.method === 'GET' && path === '/health') {
      sendJson(res, 200, '{"status":"ok"}')
      return
    }
    if (req.method === 'GET' && path === '/__bench/stats') {
      sendJson(res, 200, JSON.stringify(counters))
      return
    }
    if (req.method === 'GET' && path === '/__bench/calls') {
      const logged = calls
      calls = []
      sendJson(res, 200, JSON.stringify(logged))
      return
    }
    if (req.method === 'POST' && path === '/__bench/config') {
      try {
        const update = JSON.parse(raw.toString('utf8')) as Partial<Record<keyof MockUpstreamSettings, unknown>>
        for (const key of Object.keys(settings) as Array<keyof MockUpstreamSettings>) {
          const value = update[key]
          if (typeof value === 'number' && Number.isFinite(value) && value >= 0) settings[key] = value
        }
      } catch {
        sendError(res, 400, 'The config body must be JSON.')
        return
      }
      sendJson(res, 200, JSON.stringify(settings))
      return
    }
    counters.badRequests++
    sendError(res, 404, `The mock upstream has no route ${req.method ?? ''} ${path}.`)
  }

  const server = http.createServer((req, res) => {
    const arrivalEpochMs = settings.recordCalls === 1 ? readEpochMs() : 0
    const parts: Buffer[] = []
    req.on('data', (part: Buffer) => parts.push(part))
    req.on('end', () => handle(req, res, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), arrivalEpochMs))
  })
  server.on('connection', () => {
    counters.connections++
  })
  // clients keep connections between phases; a longer idle timeout than theirs avoids reuse races
  server.keepAliveTimeout = 65_000
  return { server, counters, settings }
}

/**
 * Starts the mock upstream on host:port (port 0 picks a free one) and resolves its origin URL.
 * @example const { url, close } = await startMockUpstream({ firstByteDelayMs: 20, chunkDelayMs: 20, contentChunks: 16 })
 */
export async function startMockUpstream(
  initial: MockUpstreamInitialSettings,
  port = 0,
  host = '127.0.0.1',
): Promise<{ url: string; counters: MockUpstreamCounters; settings: MockUpstreamSettings; close(): Promise<void> }> {
  const { server, counters, settings } = createMockUpstream(initial)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host}:${address.port}`,
    counters,
    settings,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 0)
  startMockUpstream({ firstByteDelayMs: 0, chunkDelayMs: 0, contentChunks: 16 }, port, process.env.HOST ?? '127.0.0.1')
    .then(({ url }) => console.log(`mock-upstream listening on ${url}`))
    .catch((error: unknown) => {
      console.error(error)
      process.exit(1)
    })
}
