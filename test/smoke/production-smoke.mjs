// Production smoke test: runs the BUILT server from a production-only install (no dev dependencies),
// the way the Docker image runs it, against a mock OpenAI upstream on 127.0.0.1.
// Usage: node test/smoke/production-smoke.mjs <folder with dist/ and production node_modules>
import { spawn, spawnSync } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'

const appFolder = process.argv[2]
if (!appFolder) throw new Error('usage: production-smoke.mjs <app folder>')

const chunk = (choices) => ({ id: 'chatcmpl-smoke', object: 'chat.completion.chunk', created: 1, model: 'smoke-model', choices })
const upstream = http.createServer((request, response) => {
  let body = ''
  request.on('data', (data) => (body += data))
  request.on('end', () => {
    const parsed = JSON.parse(body || '{}')
    if (parsed.stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const event of [
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
        chunk([{ index: 0, delta: { content: 'pong' }, logprobs: null, finish_reason: null }]),
        chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]),
      ])
        response.write(`data: ${JSON.stringify(event)}\n\n`)
      response.end('data: [DONE]\n\n')
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({
        id: 'chatcmpl-smoke',
        object: 'chat.completion',
        created: 1,
        model: 'smoke-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'pong', refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    )
  })
})
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/v1`

// a port the kernel has just handed out and taken back (a random pick could land on a port in use)
const probe = net.createServer()
await new Promise((resolve) => probe.listen(0, '0.0.0.0', resolve))
const port = String(probe.address().port)
await new Promise((resolve) => probe.close(resolve))
const env = { ...process.env, NODE_ENV: 'production', HOST: '0.0.0.0', PORT: port, OPENAI_BASE_URL: upstreamUrl }
const server = spawn(process.execPath, ['dist/src/cli.js'], { cwd: appFolder, env, stdio: ['ignore', 'pipe', 'inherit'] })
const fail = (message) => {
  console.error(`production smoke: FAIL: ${message}`)
  server.kill()
  upstream.close()
  process.exit(1)
}
server.on('exit', (code) => code !== null && code !== 0 && fail(`server exited with ${code}`))
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start in 15 s')), 15_000)
  server.stdout.on('data', (data) => {
    process.stdout.write(data)
    if (String(data).includes('listening on')) {
      clearTimeout(timer)
      resolve()
    }
  })
}).catch((error) => fail(error.message))

const health = spawnSync(process.execPath, [join('dist', 'src', 'healthcheck.js')], { cwd: appFolder, env })
if (health.status !== 0) fail(`HEALTHCHECK exited with ${health.status}`)

const base = `http://127.0.0.1:${port}/v1`
const request = { model: 'gpt-smoke', messages: [{ role: 'user', content: 'ping' }] }
const completion = await (
  await fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
).json()
if (completion.object !== 'chat.completion' || completion.choices?.[0]?.message?.content !== 'pong') fail(`unexpected completion ${JSON.stringify(completion)}`)
const streamed = await (
  await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, stream: true }),
  })
).text()
if (!streamed.includes('"content":"pong"') || !streamed.trimEnd().endsWith('data: [DONE]')) fail(`unexpected stream ${streamed}`)
const response = await (
  await fetch(`${base}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-smoke', input: 'ping' }),
  })
).json()
if (response.object !== 'response' || response.output?.[0]?.content?.[0]?.text !== 'pong') fail(`unexpected response ${JSON.stringify(response)}`)
const missing = await fetch(`${base}/nope`)
if (missing.status !== 404 || !(missing.headers.get('content-type') ?? '').startsWith('application/json')) fail('unknown path is not a JSON 404')
// the console (dist/console) and the traces it reads, from this machine (no admin key: loopback only)
const origin = `http://127.0.0.1:${port}`
const consolePage = await fetch(`${origin}/ui/`)
const consoleHtml = await consolePage.text()
if (consolePage.status !== 200 || !consoleHtml.includes('<div id="app">')) fail(`/ui/ is not the console (${consolePage.status})`)
if (!(consolePage.headers.get('content-security-policy') ?? '').includes("script-src 'self'")) fail('/ui/ has no strict Content-Security-Policy')
const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(consoleHtml)?.[1]
if (script === undefined || (await fetch(`${origin}${script}`)).status !== 200) fail(`the console's script ${script} is not served`)
const traces = await (await fetch(`${origin}/v1/optiproxy/traces`)).json()
if (!Array.isArray(traces.data) || traces.data.length < 3) fail(`the requests were not traced: ${JSON.stringify(traces)}`)

server.kill('SIGTERM')
await new Promise((resolve) => server.once('exit', resolve))
upstream.close()

// `optiproxy eval --demo` from the production install: the sample dataset and the report libraries are in the image
const evalOut = join(appFolder, 'eval-demo')
const demo = spawnSync(process.execPath, ['dist/src/cli.js', 'eval', '--demo', '--limit', '10', '--out', evalOut], {
  cwd: appFolder,
  env: { ...process.env, NODE_ENV: 'production' },
  encoding: 'utf8',
  timeout: 60_000,
})
if (demo.status !== 0) fail(`eval --demo exited with ${demo.status}: ${demo.stderr}`)
if (!demo.stdout.includes('| moa | sim-large |')) fail(`eval --demo printed no summary: ${demo.stdout}`)
const html = spawnSync(process.execPath, [
  '-e',
  `const t = require('fs').readFileSync(${JSON.stringify(join(evalOut, 'report.html'))}, 'utf8'); process.exit((t.match(/<svg/g) ?? []).length >= 3 ? 0 : 1)`,
])
if (html.status !== 0) fail('eval --demo wrote no report.html with its charts')
console.log(
  `production smoke: ok (node ${process.version}: /health, HEALTHCHECK, chat completion, stream, responses, JSON 404, /ui console, traces, eval --demo)`,
)
