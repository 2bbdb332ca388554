import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * The proxy's structured JSON logger (pino) on stdout. Authorization headers and keys are redacted where
 * they might appear; request logs never carry them in the first place.
 * @example const logger = createLogger('info'); logger.info({ id: 'req_1' }, 'request')
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'optiproxy' },
    // our log records never carry headers or keys; these exact paths are a cheap guard (wildcard paths cost
    // several microseconds on every line)
    redact: { paths: ['authorization', 'apiKey', 'api_key', 'headers.authorization'], censor: '[redacted]' },
  }
  // stdout through an asynchronous, buffered destination: one write per ~4 KiB of log lines, not one synchronous
  // write per request (pino flushes what is buffered when the process exits)
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }))
}
