/**
 * A reporter of one Redis client's errors that logs each distinct message at most once per `intervalMs`: during
 * an outage a client fails every reconnect attempt, and the log should say so, not repeat it every second.
 * @example redis.on('error', createRedisErrorReporter('response store'))
 */
export function createRedisErrorReporter(
  source: string,
  intervalMs = 30_000,
  write: (line: string) => void = (line) => console.error(line),
): (error: Error) => void {
  const lastLogged = new Map<string, number>()
  return (error) => {
    const now = Date.now()
    const last = lastLogged.get(error.message)
    if (last !== undefined && now - last < intervalMs) return
    if (lastLogged.size > 100) lastLogged.clear()
    lastLogged.set(error.message, now)
    write(`[optiproxy] ${source}: ${error.message}`)
  }
}
