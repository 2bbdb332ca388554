import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A redis-server a test starts and stops itself, on a free port of its own (fault injection). */
export interface RedisProcess {
  port: number
  url: string
  /** Stops the server (SIGKILL: no goodbye to its clients, as a crash or a network cut). */
  stop(): Promise<void>
  /** Starts it again on the same port (empty: nothing is saved). */
  start(): Promise<void>
}

/**
 * A free TCP port on 127.0.0.1 (the OS picks it; nothing listens on it afterwards).
 * @example const port = await findFreePort()
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const { Redis } = await import('ioredis')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on('error', () => undefined)
    try {
      await redis.connect()
      if ((await redis.ping()) === 'PONG') return
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
      await sleep(50)
    } finally {
      redis.disconnect()
    }
  }
}

/**
 * Starts `redis-server --port N --save "" --appendonly no` on a free port.
 * @example const redis = await startRedisProcess(); ...; await redis.stop()
 */
export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await findFreePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await waitForPing(port, 5_000)
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null) return
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
      running.kill('SIGKILL')
      await exited
    },
  }
}
