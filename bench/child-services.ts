/**
 * The bench's child processes (mock upstream, minimal proxy, optiproxy): started with the node binary itself so
 * their pid is the server's, read through /proc, and all killed when the bench exits, however it exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface ChildService {
  name: string
  pid: number
  /** The URL the service printed when it started listening. */
  url: URL
  process: ChildProcess
  /** The last few kilobytes of its stderr, for error reports. */
  readStderrTail(): string
}

/** Every child spawned and not yet exited, listening or not. */
const spawned = new Set<ChildProcess>()
/** The children the bench still needs: one of them exiting breaks the run. */
const running = new Set<ChildService>()
let stopping = false

/** Kills every child at once with SIGKILL, started or still starting; safe to call from a process 'exit' handler. */
export function killAllServices(): void {
  stopping = true
  running.clear()
  for (const child of spawned) child.kill('SIGKILL')
  spawned.clear()
}

/**
 * Stops one child: SIGTERM, then SIGKILL if it has not exited within the grace period. Resolves when it is gone.
 * @example await stopService(optiproxy, 5000)
 */
export function stopService(service: ChildService, graceMs = 3000): Promise<void> {
  running.delete(service)
  const child = service.process
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Makes sure no child outlives the bench: on exit, on a fatal error and on Ctrl-C. */
export function installExitCleanup(): void {
  process.once('exit', killAllServices)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllServices()
      process.exit(130)
    })
  }
}

/**
 * Starts `node <args>` with exactly the environment given and waits until it prints "listening on <url>" on stdout.
 * A child that dies while the bench still needs it ends the bench with exit code 2: the harness is broken.
 * @example const mock = await startService('mock', ['dist/bench/mock-upstream.js'], { ...process.env, PORT: '0' })
 */
export function startService(name: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ChildService> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  spawned.add(child)
  child.once('exit', () => spawned.delete(child))
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4096)
  })
  return new Promise((resolve, reject) => {
    let stdout = ''
    let service: ChildService | undefined
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} did not print "listening on" within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (text: string) => {
      if (service !== undefined) return
      stdout = (stdout + text).slice(-4096)
      const match = /listening on (http:\/\/[^\s)]+)/.exec(stdout)
      if (match?.[1] === undefined || child.pid === undefined) return
      clearTimeout(timer)
      service = { name, pid: child.pid, url: new URL(match[1]), process: child, readStderrTail: () => stderr }
      running.add(service)
      resolve(service)
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (service === undefined) {
        reject(new Error(`${name} exited (${code ?? signal}) before listening; stderr: ${stderr}`))
        return
      }
      if (stopping || !running.has(service)) return
      console.error(`\nbench: ${name} (pid ${child.pid}) died during the run (${code ?? signal}); stderr:\n${stderr}`)
      killAllServices()
      process.exit(2)
    })
  })
}

/**
 * The resident set size of a process in bytes, from /proc/<pid>/status (VmRSS; Linux only).
 * @example readRssBytes(optiproxy.pid) / 2 ** 20 // MiB
 */
export function readRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match?.[1] === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

/**
 * The CPU time a process has used, user plus system, in clock ticks, from /proc/<pid>/stat (fields 14 and 15).
 * @example const before = readCpuTicks(pid)
 */
export function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // the command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12]
  return Number(fields[11]) + Number(fields[12])
}

/**
 * Clock ticks per second for /proc CPU times (`getconf CLK_TCK`; 100 when getconf is missing).
 * @example const microsecondsPerTick = 1e6 / readClockTicksPerSecond()
 */
export function readClockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(value) && value > 0 ? value : 100
  } catch {
    return 100
  }
}
