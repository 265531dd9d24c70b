import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino'

export type { Logger }

/**
 * Paths that must never reach a log line. Secrets also never get *put* into log objects; this is
 * the second line of defence for objects that carry them by accident (a request's headers, a
 * config dump, a key object). Not redundant with redactSecrets, which censors by field name:
 * these also censor `moca.key` whole, JWK members at the top level of an object without `kty`,
 * and whatever lies past the formatter's MAX_OBJECTS budget.
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
  'password',
  'clientSecret',
  '*.privateKey',
  '*.token',
  '*.jwt',
  '*.password',
  '*.clientSecret',
]

/**
 * Field names whose values are censored at any depth (compared without case, `-` or `_`). pino's
 * redact paths reach a fixed depth only; a config dump or an error's cause nests deeper.
 */
const SECRET_FIELDS = new Set([
  'password',
  'passphrase',
  'secret',
  'clientsecret',
  'privatekey',
  'token',
  'jwt',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorization',
  'proxyauthorization',
  'xpartnerauth',
])

/** Private JWK members (RFC 7518 §6.2.2, §6.3.2): censored in a JWK or under a key field. */
const PRIVATE_JWK_FIELDS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])
const KEY_HOLDERS = new Set(['key', 'jwk', 'privatekey', 'signingkey', 'partnerkey'])

const CENSOR = '[redacted]'
/** How deep, and how many objects per line, the walk looks: bounded cost, safe with cycles. */
const MAX_DEPTH = 10
const MAX_OBJECTS = 500

const normalise = (name: string): string => name.replace(/[-_]/g, '').toLowerCase()

/**
 * Returns the log object with every secret field censored at any depth (up to MAX_DEPTH), copying
 * only the objects on the way to a secret; without secrets it returns its argument unchanged.
 * Errors keep their prototype, so pino's error serializer still treats them as errors.
 */
export function redactSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  const budget = { objects: MAX_OBJECTS }
  return redactObject(obj, 0, false, budget) as Record<string, unknown>
}

function redactObject(
  value: object,
  depth: number,
  underKeyHolder: boolean,
  budget: { objects: number },
): object {
  if (depth > MAX_DEPTH || budget.objects-- <= 0) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      if (typeof item !== 'object' || item === null) continue
      const redacted = redactObject(item, depth + 1, false, budget)
      if (redacted !== item) (copy ??= [...value])[index] = redacted
    }
    return copy ?? value
  }
  const isError = value instanceof Error
  if (
    !isError &&
    (ArrayBuffer.isView(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function')
  ) {
    return value
  }
  const record = value as Record<string, unknown>
  // an error's cause (and an AggregateError's errors) are own but not enumerable
  const names = isError ? Object.getOwnPropertyNames(value) : Object.keys(value)
  const isJwk = typeof record.kty === 'string'
  let changes: Map<string, unknown> | undefined
  for (const name of names) {
    const child = record[name]
    if (child === undefined) continue
    const normalised = normalise(name)
    if (
      SECRET_FIELDS.has(normalised) ||
      ((underKeyHolder || isJwk) && PRIVATE_JWK_FIELDS.has(name))
    ) {
      if (child !== CENSOR) (changes ??= new Map()).set(name, CENSOR)
      continue
    }
    if (typeof child !== 'object' || child === null) continue
    const redacted = redactObject(child, depth + 1, KEY_HOLDERS.has(normalised), budget)
    if (redacted !== child) (changes ??= new Map()).set(name, redacted)
  }
  if (!changes) return value
  if (!isError) return { ...record, ...Object.fromEntries(changes) }
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<
    string,
    unknown
  >
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(value, name)!
    if (changes.has(name)) {
      descriptor.value = changes.get(name)
      delete descriptor.get
      delete descriptor.set
      descriptor.writable = true
    }
    Object.defineProperty(copy, name, descriptor)
  }
  return copy
}

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
    // An `err` that is a summary ({ code, message } of a MocaChain failure) is printed as it is;
    // pino's error serializer took it for an error and added "type":"Object","stack":"".
    serializers: { err: serializeErr },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: redactSecrets,
    },
  }
  const pretty = {
    target: 'pino-pretty',
    options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
  }
  return redactChildBindings(
    destination
      ? pino(options, destination)
      : pino(settings.pretty ? { ...options, transport: pretty } : options),
  )
}

function serializeErr(value: unknown): unknown {
  return value instanceof Error ? pino.stdSerializers.err(value) : value
}

/**
 * Bindings skip the log formatter, and pino runs `formatters.bindings` on the root logger's own
 * bindings only, never on a child's (pinojs/pino#1212, #2129): a secret bound with
 * `logger.child({...})` reached every line of that child. Children inherit this `child`, so
 * grandchildren are covered too.
 */
function redactChildBindings(logger: Logger): Logger {
  const pinoChild = logger.child
  logger.child = function (this: Logger, bindings, options) {
    return pinoChild.call(this, redactSecrets(bindings), options)
  } as Logger['child']
  return logger
}

/** A logger that drops everything: for unit tests and library use without logging. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
