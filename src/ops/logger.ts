import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino'

export type { Logger }

/**
 * Paths that must never reach a log line. Secrets also never get *put* into log objects; this is
 * the second line of defence for objects that carry them by accident (a request's headers, a
 * config dump, a key object).
 */
export const REDACTED_PATHS = [
  'token',
  'jwt',
  'privateKey',
  'key.d',
  'jwk.d',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'headers["x-partner-auth"]',
  'req.headers["x-partner-auth"]',
  'request.headers["x-partner-auth"]',
  'moca.key',
  'config.moca.key',
  '*.privateKey',
  '*.token',
  '*.jwt',
]

export interface LoggerSettings {
  /** @default 'info' */
  readonly level?: string
  /** Pretty, coloured lines for a person at a terminal; JSON otherwise. @default false */
  readonly pretty?: boolean
  /** Base fields on every line, e.g. `{ component: 'sandbox' }`. */
  readonly base?: Record<string, unknown>
}

/** The one place where pino options are decided. Tests pass their own destination stream. */
export function createLogger(
  settings: LoggerSettings = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { ...settings.base },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }
  if (destination) return pino(options, destination)
  if (settings.pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    })
  }
  return pino(options)
}

/** A logger that drops everything: for unit tests and library use without logging. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
