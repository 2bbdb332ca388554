/**
 * The baseline: the least work any HTTP proxy must do. It forwards method, path, headers and body to the upstream
 * over a keep-alive agent and pipes the answer back, bytes untouched; a client that leaves early takes the
 * upstream request down with it.
 * Run: `PORT=0 UPSTREAM_URL=http://127.0.0.1:9000 node dist/bench/minimal-proxy.js`
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

const hopByHopHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host'])

function copyEndToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const copy: http.OutgoingHttpHeaders = {}
  for (const name in headers) if (!hopByHopHeaders.has(name)) copy[name] = headers[name]
  return copy
}

/**
 * Creates the pass-through proxy server (not yet listening) in front of the upstream origin.
 * @example createMinimalProxy(new URL('http://127.0.0.1:9000')).listen(8001, '127.0.0.1')
 */
export function createMinimalProxy(upstream: URL): http.Server {
  const agent = new http.Agent({ keepAlive: true })
  return http.createServer((req, res) => {
    const upstreamReq = http.request(
      { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: copyEndToEndHeaders(req.headers) },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, copyEndToEndHeaders(upstreamRes.headers))
        upstreamRes.on('error', () => res.destroy())
        upstreamRes.pipe(res)
      },
    )
    upstreamReq.on('error', () => {
      if (res.headersSent) res.destroy()
      else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream unreachable","type":"upstream_error"}}')
    })
    res.on('close', () => {
      if (!res.writableEnded) upstreamReq.destroy()
    })
    req.pipe(upstreamReq)
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = process.env.UPSTREAM_URL
  if (upstream === undefined) {
    console.error('minimal-proxy: set UPSTREAM_URL to the upstream origin, e.g. http://127.0.0.1:9000')
    process.exit(1)
  }
  const host = process.env.HOST ?? '127.0.0.1'
  const server = createMinimalProxy(new URL(upstream))
  server.listen(Number(process.env.PORT ?? 0), host, () => {
    console.log(`minimal-proxy listening on http://${host}:${(server.address() as AddressInfo).port}`)
  })
}
