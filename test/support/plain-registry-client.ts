import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'

type RegistryArgs = ConstructorParameters<typeof SchemaRegistry>
type RegistryMiddleware = NonNullable<RegistryArgs[0]['middlewares']>[number]

/** A request the registry has not answered in this time is sent again. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Sends of one request in all, the first included. */
const DEFAULT_ATTEMPTS = 3

export interface PlainRegistryClientOptions {
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number
  /** @default DEFAULT_ATTEMPTS */
  readonly attempts?: number
  /** The client's schema options (its second argument), e.g. ajv's for JSON Schema. */
  readonly schemaOptions?: RegistryArgs[1]
}

/**
 * The registry client of a test's upstream producer or downstream consumer: a plain
 * @kafkajs/confluent-schema-registry client, as those services would use, except that a request
 * the registry leaves unanswered is sent again after `requestTimeoutMs`, and after `attempts`
 * sends fails saying so.
 *
 * The plain client has no timeout: once, in CI, a registration got no answer and held its
 * beforeAll until vitest's 60 s hook timeout, with nothing to say which request or why. Every
 * request such a client makes (register, look up an id, read a schema) is safe to repeat.
 */
export function plainRegistryClient(
  url: string,
  options: PlainRegistryClientOptions = {},
): SchemaRegistry {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS
  // mappersmith builds the middleware once per request, and `renew` reruns that same instance.
  const resendUnanswered: RegistryMiddleware = () => {
    let sent = 0
    return {
      async prepareRequest(next) {
        sent += 1
        return (await next()).enhance({ timeout: timeoutMs })
      },
      async response(next, renew, request) {
        try {
          return await next()
        } catch (failure) {
          if (!isTimeout(failure)) throw failure
          if (sent < attempts) return renew()
          throw noAnswer(
            `at ${url}`,
            `${request.method().toUpperCase()} ${request.path()}`,
            sent,
            timeoutMs,
            failure,
          )
        }
      },
    }
  }
  return new SchemaRegistry(
    { host: url, middlewares: [resendUnanswered] },
    ...(options.schemaOptions === undefined ? [] : [options.schemaOptions]),
  )
}

/**
 * fetch for the registry's REST API (deleting a test's subjects, reading or setting a rule), with
 * plainRegistryClient's rule: a request left unanswered is sent again, then fails saying so.
 * Every call the tests make this way (DELETE, GET, PUT of a rule, POST of a schema the subject
 * then holds) is safe to repeat.
 */
export async function fetchFromRegistry(
  url: string,
  init: RequestInit = {},
  options: Omit<PlainRegistryClientOptions, 'schemaOptions'> = {},
): Promise<Response> {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS
  for (let sent = 1; ; sent++) {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    } catch (failure) {
      if (!(failure instanceof Error && failure.name === 'TimeoutError')) throw failure
      if (sent >= attempts)
        throw noAnswer('', `${init.method ?? 'GET'} ${url}`, sent, timeoutMs, failure)
    }
  }
}

/** The failure after the last unanswered send: which registry and request, how often, how long. */
function noAnswer(
  where: string,
  request: string,
  sent: number,
  timeoutMs: number,
  cause: unknown,
): Error {
  return new Error(
    `the schema registry${where === '' ? '' : ` ${where}`} answered none of ${sent} sends of ` +
      `${request} within ${timeoutMs} ms each; its log says why (the integration stack prints where it is)`,
    { cause },
  )
}

/**
 * mappersmith answers a timed-out request with a 400 whose body is "Timeout (N ms)", which the
 * client's error middleware (inside this one) turns into a ResponseError quoting that body.
 */
function isTimeout(failure: unknown): boolean {
  return (
    failure instanceof Error &&
    failure.name === 'ResponseError' &&
    /: Timeout \(\d+ms\)$/.test(failure.message)
  )
}
