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

/** Where a call goes: built once per endpoint, so no URL is parsed per call. */
export interface UpstreamEndpoint {
  secure: boolean
  hostname: string
  port: number
  /** Path and query, e.g. `/v1/chat/completions?api-version=2024-10-21`. */
  path: string
}

/** The endpoint of a URL (`https://api.openai.com/v1` + `/chat/completions`). */
export function createUpstreamEndpoint(url: URL): UpstreamEndpoint {
  const secure = url.protocol === 'https:'
  return {
    secure,
    // node:http wants IPv6 literals without their brackets
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
  }
}

export interface UpstreamRequest {
  endpoint: UpstreamEndpoint
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  signal: AbortSignal
  /** Fails the call when the upstream has not started answering (sent its status line) by then. */
  timeoutMs: number
  /** Fails the call when a new connection is not established (TCP, and TLS for https) by then. */
  connectTimeoutMs?: number
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

function createAbortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError')
}

/**
 * One HTTP call to an upstream on node:http and its keep-alive agents: the request is written at once and the
 * response's status, headers and body stream come back. The AbortSignal destroys the connection at any time,
 * before or during the body. Written on node:http rather than fetch: undici's fetch costs about six times the
 * CPU per call (see the README's benchmark section).
 * @example const response = await sendUpstreamRequest({ endpoint, method: 'POST', headers, body, signal, timeoutMs: 600_000, agents })
 */
export function sendUpstreamRequest(request: UpstreamRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const { endpoint, signal } = request
    if (signal.aborted) {
      reject(createAbortError(signal))
      return
    }
    const headers: Record<string, string> = { ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
    const outgoing = (endpoint.secure ? https : http).request({
      hostname: endpoint.hostname,
      port: endpoint.port,
      path: endpoint.path,
      method: request.method,
      headers,
      agent: endpoint.secure ? request.agents.https : request.agents.http,
    })
    // one listener for the whole call, removed when the body ends or the connection closes
    const onAbort = (): void => {
      outgoing.destroy(createAbortError(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    outgoing.once('close', () => signal.removeEventListener('abort', onAbort))
    const timer = setTimeout(() => outgoing.destroy(new UpstreamTimeoutError(`The upstream did not answer within ${request.timeoutMs} ms.`)), request.timeoutMs)
    let connectTimer: NodeJS.Timeout | undefined
    const { connectTimeoutMs } = request
    if (connectTimeoutMs !== undefined) {
      outgoing.once('socket', (socket) => {
        // a kept-alive socket is already connected; a new one must connect in time
        if (!socket.connecting) return
        connectTimer = setTimeout(
          () => outgoing.destroy(new UpstreamTimeoutError(`Could not connect to the upstream within ${connectTimeoutMs} ms.`)),
          connectTimeoutMs,
        )
        socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer))
      })
    }
    outgoing.once('response', (response: IncomingMessage) => {
      clearTimeout(timer)
      clearTimeout(connectTimer)
      // the request's 'close' comes only with the response's end; an abort meanwhile must still reach the body
      response.once('close', () => signal.removeEventListener('abort', onAbort))
      resolve({ status: response.statusCode ?? 502, headers: response.headers, body: decompress(response) })
    })
    outgoing.once('error', (error) => {
      clearTimeout(timer)
      clearTimeout(connectTimer)
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

/** Reads a whole body as text, up to `limitBytes` (past that the connection is closed and the text cut). */
export function readBodyText(body: Readable, limitBytes = 64 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (): void => {
      body.off('data', onData)
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limitBytes) {
        body.off('end', finish)
        body.destroy()
        finish()
        return
      }
      chunks.push(chunk)
    }
    body.on('data', onData)
    body.once('end', finish)
    body.once('error', reject)
    // a body destroyed before its end (the request was aborted) rejects rather than hangs
    body.once('close', () => {
      if (!body.readableEnded && size <= limitBytes) reject(body.errored ?? new DOMException('The operation was aborted.', 'AbortError'))
    })
  })
}
