import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'
import zlib from 'node:zlib'

export interface UpstreamAgents {
  http: http.Agent
  https: https.Agent
}

/** Keep-alive connection pools: one per provider, so each upstream keeps its warm sockets. */
export function createUpstreamAgents(): UpstreamAgents {
  const options = { keepAlive: true, keepAliveMsecs: 15_000, scheduling: 'lifo' as const }
  return { http: new http.Agent(options), https: new https.Agent(options) }
}

export interface UpstreamRequest {
  url: URL
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  signal: AbortSignal
  /** Fails the call when the upstream has not started answering (sent its status line) by then. */
  timeoutMs: number
  agents: UpstreamAgents
}

export interface UpstreamResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The body, decompressed if the upstream compressed it anyway. Destroying it closes the upstream connection. */
  body: Readable
}

/** Raised when the upstream did not start answering within the timeout. */
export class UpstreamTimeoutError extends Error {
  override name = 'UpstreamTimeoutError'
}

/**
 * One HTTP call to an upstream on node:http and its keep-alive agents: the request is written at once and the
 * response's status, headers and body stream come back. The AbortSignal destroys the connection at any time,
 * before or during the body. Written on node:http rather than fetch: undici's fetch costs about six times the
 * CPU per call (see the README's benchmark section).
 * @example const response = await sendUpstreamRequest({ url, method: 'POST', headers, body, signal, timeoutMs: 600_000, agents })
 */
export function sendUpstreamRequest(request: UpstreamRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const secure = request.url.protocol === 'https:'
    const headers: Record<string, string> = { ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
    const outgoing = (secure ? https : http).request(request.url, {
      method: request.method,
      headers,
      agent: secure ? request.agents.https : request.agents.http,
      signal: request.signal,
    })
    const timer = setTimeout(() => outgoing.destroy(new UpstreamTimeoutError(`The upstream did not answer within ${request.timeoutMs} ms.`)), request.timeoutMs)
    outgoing.once('response', (response: IncomingMessage) => {
      clearTimeout(timer)
      resolve({ status: response.statusCode ?? 502, headers: response.headers, body: decompress(response) })
    })
    outgoing.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    outgoing.end(request.body)
  })
}

/** The proxy asks for no compression; an upstream that compresses anyway is decoded here. */
function decompress(response: IncomingMessage): Readable {
  const encoding = response.headers['content-encoding']
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined
  if (decoder === undefined) return response
  response.pipe(decoder)
  // destroying the decoded stream must still close the upstream connection
  decoder.once('close', () => response.destroy())
  response.once('error', (error) => decoder.destroy(error))
  return decoder
}

/** Reads a whole body as text, up to `limitBytes` (the rest is discarded and the connection closed). */
export async function readBodyText(body: Readable, limitBytes = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > limitBytes) {
      body.destroy()
      break
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
