import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPythonSandbox, type ManagedPythonSandbox } from '../../src/sandbox/create-python-sandbox.js'

const signal = new AbortController().signal
let sandbox: ManagedPythonSandbox
let server: Server
let connections = 0
let port = 0

beforeAll(async () => {
  // one interpreter serves the runs that end normally; a run that hits a limit gets a fresh one after it
  sandbox = createPythonSandbox({ maxRunsPerWorker: 100, timeoutMs: 1_500, maxMemoryBytes: 192 * 1024 * 1024, maxOutputBytes: 4_096 })
  server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
}, 60_000)

afterAll(async () => {
  await sandbox.close()
  await new Promise((resolve) => server.close(resolve))
})

describe('python sandbox', () => {
  it('runs code: output, the last expression, a raised error with its line', async () => {
    const run = await sandbox.runPython('print(sum(range(101)))\n2**100', {}, signal)
    expect(run).toMatchObject({ status: 'ok', stdout: '5050\n', result: '1267650600228229401496703205376' })
    const failing = await sandbox.runPython('x = 1\ny = x / 0', {}, signal)
    expect(failing).toMatchObject({ status: 'error', errorLine: 2 })
    expect(failing.error).toContain('ZeroDivisionError')
  }, 60_000)

  it('a network attempt (socket, urllib, pyfetch) never reaches a listener on 127.0.0.1', async () => {
    const code = [
      'import socket, urllib.request',
      'results = []',
      'for attempt in (',
      `    lambda: socket.create_connection(("127.0.0.1", ${port}), timeout=1),`,
      `    lambda: urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=1),`,
      '):',
      '    try:',
      '        attempt()',
      '        results.append("connected")',
      '    except Exception as error:',
      '        results.append(type(error).__name__)',
      'print(results)',
    ].join('\n')
    const run = await sandbox.runPython(code, {}, signal)
    expect(run.status).toBe('ok')
    expect(run.stdout).not.toContain('connected')
    const pyfetch = await sandbox.runPython(`import pyodide.http\npyodide.http.open_url("http://127.0.0.1:${port}/")`, {}, signal)
    expect(pyfetch.status).toBe('error')
    expect(connections).toBe(0)
  }, 60_000)

  it('a filesystem attempt sees only the in-memory filesystem: host files neither read nor written, no host mount', async () => {
    const marker = join(tmpdir(), `optiproxy-sandbox-${process.pid}.txt`)
    const run = await sandbox.runPython(`open(${JSON.stringify(marker)}, "w").write("x")\nopen("/etc/hostname").read()`, {}, signal)
    expect(run.status).toBe('error')
    expect(run.error).toContain('FileNotFoundError')
    expect(existsSync(marker)).toBe(false)
    const mount = await sandbox.runPython('import pyodide_js\npyodide_js.mountNodeFS("/host", "/etc")\nopen("/host/hostname").read()', {}, signal)
    expect(mount.status).toBe('error')
    expect(mount.stdout + (mount.result ?? '')).toBe('')
  }, 60_000)

  it('no process, no JavaScript escape: os.system, the js module and code generation are refused', async () => {
    const marker = join(tmpdir(), `optiproxy-sandbox-system-${process.pid}`)
    const system = await sandbox.runPython(`import os\nos.system("touch ${marker}")`, {}, signal)
    expect(system.status).toBe('error')
    expect(existsSync(marker)).toBe(false)
    const escaped = await sandbox.runPython('import pyodide_js\npyodide_js.runPython.constructor("return process")()', {}, signal)
    expect(escaped.status).toBe('error')
    const globals = await sandbox.runPython('import js\njs.process.env', {}, signal)
    expect(globals.status).toBe('error')
  }, 60_000)

  it('an infinite loop ends at the wall-clock limit (the worker is terminated) with a clear note', async () => {
    const run = await sandbox.runPython('while True:\n    pass', { timeoutMs: 800 }, signal)
    expect(run.status).toBe('timeout')
    expect(run.error).toBe('stopped at the 800 ms time limit')
    expect(run.durationMs).toBeLessThan(800 + 500)
    expect((await sandbox.runPython('print("fresh")', {}, signal)).stdout).toBe('fresh\n')
  }, 60_000)

  it('a memory bomb ends at the memory cap with a MemoryError', async () => {
    const run = await sandbox.runPython('blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))', {}, signal)
    expect(run.status).toBe('memory-limit')
    expect(run.error).toContain('MemoryError')
    expect(run.durationMs).toBeLessThan(1_500)
  }, 60_000)

  it('huge output stops at the output cap', async () => {
    const run = await sandbox.runPython('while True:\n    print("x" * 1000)', {}, signal)
    expect(run.status).toBe('output-limit')
    expect(run.stdout.length + run.stderr.length).toBeLessThanOrEqual(4_096)
    expect(run.durationMs).toBeLessThan(1_500)
  }, 60_000)
})
