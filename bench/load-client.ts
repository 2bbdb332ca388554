/**
 * The load generator: a cheap node:http client on keep-alive agents, the same code for every target, so the
 * client costs the same whichever proxy it measures. Any non-200 answer or socket error throws: the bench's
 * numbers are only worth something when every request succeeded.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { readEpochMs } from './measure-utils.js'

const chatPath = '/v1/chat/completions'
const authorization = 'Bearer bench-client-key'

/**
 * A keep-alive agent that opens at most maxSockets connections, all of which it keeps.
 * @example const agent = createKeepAliveAgent(16)
 */
export function createKeepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
}

function openChatRequest(agent: http.Agent, origin: URL, body: Buffer): http.ClientRequest {
  return http.request({
    agent,
    host: origin.hostname,
    port: origin.port,
    method: 'POST',
    path: chatPath,
    headers: { 'content-type': 'application/json', 'content-length': body.length, authorization },
  })
}

function failOnStatus(res: http.IncomingMessage, text: string, reject: (error: Error) => void): boolean {
  if (res.statusCode === 200) return false
  reject(new Error(`HTTP ${res.statusCode ?? '?'} from ${chatPath}: ${text.slice(0, 300)}`))
  return true
}

/**
 * POSTs a chat completion and reads the whole answer; resolves its text only when keepText is set (the byte
 * count otherwise), so the hot loop does not build strings.
 * @example const { text } = await postChatCompletion(agent, target.url, body, true)
 */
export function postChatCompletion(agent: http.Agent, origin: URL, body: Buffer, keepText = false): Promise<{ bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = openChatRequest(agent, origin, body)
    req.on('error', reject)
    req.on('response', (res) => {
      const parts: Buffer[] = []
      let bytes = 0
      res.on('data', (part: Buffer) => {
        bytes += part.length
        if (keepText || res.statusCode !== 200) parts.push(part)
      })
      res.on('error', reject)
      res.on('end', () => {
        const text = parts.length === 0 ? '' : Buffer.concat(parts).toString('utf8')
        if (!failOnStatus(res, text, reject)) resolve({ bytes, text })
      })
    })
    req.end(body)
  })
}

/**
 * Sends `count` requests one after another on one keep-alive connection; resolves each one's latency in ms.
 * @example const latencies = await measureSequentialLatencies(target.url, body, 1000)
 */
export async function measureSequentialLatencies(origin: URL, body: Buffer, count: number): Promise<number[]> {
  const agent = createKeepAliveAgent(1)
  const latencies: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      await postChatCompletion(agent, origin, body)
      latencies.push(performance.now() - start)
    }
  } finally {
    agent.destroy()
  }
  return latencies
}

export interface ClosedLoopResult {
  completed: number
  elapsedMs: number
  latenciesMs: number[]
}

/**
 * A closed loop: `concurrency` workers each send a request as soon as their previous one is answered, until
 * the duration is over (durationMs) or the batch is sent (count).
 * @example const { completed, elapsedMs } = await runClosedLoop(target.url, body, { concurrency: 64, durationMs: 5000 })
 */
export async function runClosedLoop(
  origin: URL,
  body: Buffer,
  limits: { concurrency: number; durationMs?: number; count?: number },
): Promise<ClosedLoopResult> {
  const agent = createKeepAliveAgent(limits.concurrency)
  const latenciesMs: number[] = []
  let issued = 0
  const start = performance.now()
  const deadline = limits.durationMs === undefined ? Number.POSITIVE_INFINITY : start + limits.durationMs
  const total = limits.count ?? Number.POSITIVE_INFINITY
  const runWorker = async (): Promise<void> => {
    while (issued < total && performance.now() < deadline) {
      issued++
      const sent = performance.now()
      await postChatCompletion(agent, origin, body)
      latenciesMs.push(performance.now() - sent)
    }
  }
  try {
    await Promise.all(Array.from({ length: limits.concurrency }, runWorker))
  } finally {
    agent.destroy()
  }
  return { completed: latenciesMs.length, elapsedMs: performance.now() - start, latenciesMs }
}

export interface StreamTiming {
  /** Request sent to the first byte of a `data:` frame. */
  ttfbMs: number
  /** Request sent to the first frame with non-empty delta content. */
  firstContentMs: number
  /** The whole answer, when asked for. */
  text: string
}

const firstContentPattern = /"content":"[^"]/

/**
 * POSTs a streamed chat completion, reads it to the end and times its first `data:` byte and first content.
 * Rejects when the stream does not end with `data: [DONE]`.
 * @example const { ttfbMs } = await readChatStream(agent, target.url, streamBody)
 */
export function readChatStream(agent: http.Agent, origin: URL, body: Buffer, keepText = false): Promise<StreamTiming> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    let ttfbMs = Number.NaN
    let firstContentMs = Number.NaN
    let scan = ''
    let text = ''
    const req = openChatRequest(agent, origin, body)
    req.on('error', reject)
    req.on('response', (res) => {
      res.setEncoding('utf8')
      res.on('data', (part: string) => {
        if (keepText || res.statusCode !== 200) text += part
        if (!Number.isNaN(firstContentMs)) {
          scan = (scan + part).slice(-32)
          return
        }
        scan += part
        if (Number.isNaN(ttfbMs) && scan.includes('data:')) ttfbMs = performance.now() - start
        if (firstContentPattern.test(scan)) firstContentMs = performance.now() - start
      })
      res.on('error', reject)
      res.on('end', () => {
        if (failOnStatus(res, text, reject)) return
        if (!scan.endsWith('data: [DONE]\n\n')) reject(new Error(`the stream did not end with data: [DONE]: …${JSON.stringify(scan)}`))
        else resolve({ ttfbMs, firstContentMs, text })
      })
    })
    req.end(body)
  })
}

/**
 * Runs `count` streams with `concurrency` of them open at a time; resolves the timings of each.
 * @example const timings = await measureStreamTimings(target.url, streamBody, 70, 4)
 */
export async function measureStreamTimings(origin: URL, body: Buffer, count: number, concurrency: number): Promise<StreamTiming[]> {
  const agent = createKeepAliveAgent(concurrency)
  const timings: StreamTiming[] = []
  let issued = 0
  const runWorker = async (): Promise<void> => {
    while (issued < count) {
      issued++
      timings.push(await readChatStream(agent, origin, body))
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, runWorker))
  } finally {
    agent.destroy()
  }
  return timings
}

export interface OpenStream {
  /** Destroys the client connection; returns the epoch ms just before it. */
  abort(): number
}

/**
 * Opens a streamed chat completion and resolves once its first `data:` byte has arrived, with a handle to
 * abort it then.
 * @example const stream = await openStreamUntilFirstByte(agent, target.url, streamBody); const abortedAt = stream.abort()
 */
export function openStreamUntilFirstByte(agent: http.Agent, origin: URL, body: Buffer): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    let opened = false
    let aborted = false
    const req = openChatRequest(agent, origin, body)
    const handle: OpenStream = {
      abort: () => {
        aborted = true
        const at = readEpochMs()
        req.destroy()
        return at
      },
    }
    req.on('error', (error) => {
      if (!aborted) reject(error)
    })
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`HTTP ${res.statusCode ?? '?'} when opening a stream`))
        res.resume()
        return
      }
      res.setEncoding('utf8')
      res.on('error', (error) => {
        if (!aborted) reject(error)
      })
      res.on('data', (part: string) => {
        if (!opened && part.includes('data:')) {
          opened = true
          resolve(handle)
        }
      })
      res.on('end', () => {
        if (!opened) reject(new Error('the stream ended before its first data: frame'))
      })
    })
    req.end(body)
  })
}
