import { RelayError } from '../errors/relay-error.js'
import { printableText } from '../domain/message-text.js'
import { redactUrlCredentials } from '../ops/redact-url-credentials.js'

/**
 * What @kafkajs/confluent-schema-registry 3.9 throws, read the only ways it allows: HTTP
 * failures are `ResponseError`s with a numeric `status` and a `url`, and no `code`. Its HTTP
 * layer (mappersmith) reports connection failures and timeouts as status 400 with the socket
 * error in the message, and Confluent-API error bodies put their text in the message, while a
 * response without such a body reads "<client> - Error, status <n>: …".
 */
export interface RegistryHttpFailure {
  readonly status: number
  readonly url: string | null
  readonly message: string
}

export function registryHttpFailureOf(err: unknown): RegistryHttpFailure | null {
  if (typeof err !== 'object' || err === null) return null
  const { status, url, message } = err as { status?: unknown; url?: unknown; message?: unknown }
  if (typeof status !== 'number') return null
  return {
    status,
    url: typeof url === 'string' ? url : null,
    message: typeof message === 'string' ? message : '',
  }
}

/** True when the registry answered with a Confluent-API error body (`{error_code, message}`). */
export function hasRegistryErrorBody(failure: RegistryHttpFailure): boolean {
  return !/ - Error, status \d+/.test(failure.message)
}

/**
 * True when a 404 is the Confluent API's "schema not found" (error_code 40403) for this id. The
 * client keeps only the body's message, so this reads the text every Confluent-API registry
 * writes for it (Confluent, Apicurio's ccompat, Karapace, Redpanda: "Schema <id> not found"),
 * the id included. A 404 with another body (Apicurio's own v2 API, a gateway's
 * {"message":"Not Found"}) comes from a URL that is not the registry's Confluent API: no record
 * is at fault, and reading it as an unknown id would fail every registry-encoded record for good.
 */
export function isSchemaIdNotFound(failure: RegistryHttpFailure, schemaId: number): boolean {
  return (
    failure.status === 404 &&
    new RegExp(`\\bSchema ${schemaId} not found\\b`, 'i').test(failure.message)
  )
}

/**
 * True when a 404 is the Confluent API's "subject not found" (error_code 40401): every
 * Confluent-API registry writes "Subject '<subject>' not found". Read as isSchemaIdNotFound is,
 * and for the same reason: another API's 404 says nothing about the subject.
 */
export function isSubjectNotFound(failure: RegistryHttpFailure): boolean {
  return failure.status === 404 && /\bSubject\b.*\bnot found\b/i.test(failure.message)
}

/** The library's own errors carry only a class name: match on it, they have no code. */
export function libraryErrorName(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null
  const name = (err as { name?: unknown }).name
  return typeof name === 'string' ? name : null
}

/**
 * Everything that is not a verdict on the record itself: unreachable, timing out, overloaded,
 * misconfigured or refusing our credentials. `doing` completes "while …".
 */
export function toRegistryError(err: unknown, doing: string): RelayError {
  const failure = registryHttpFailureOf(err)
  // The client quotes the request URL, credentials included when SCHEMA_REGISTRY_URL carries them
  // (https://<key>:<secret>@…): hidden before the cut, so no half of a secret survives it.
  const where = failure?.url ? ` (${printableText(redactUrlCredentials(failure.url), 200)})` : ''
  const rawDetail = redactUrlCredentials(
    failure?.message ?? (err instanceof Error ? err.message : String(err)),
  )
  // Drop the client's "<client id> - Error, status <n>: " prefix: the status is said below.
  const stripped = rawDetail.replace(/^.*? - (Error, status \d+: )?/, '')
  // A non-JSON-API error body reaches the message as "[object Object]": say so instead.
  const detail =
    stripped === '[object Object]' ? 'no readable error body' : printableText(stripped, 300)
  if (failure && (failure.status === 401 || failure.status === 403)) {
    return new RelayError(
      'SCHEMA_REGISTRY_REJECTED',
      `the schema registry refused the relay's credentials (${failure.status}) while ${doing}${where}: ${detail}. Set schemaRegistry.username and SCHEMA_REGISTRY_PASSWORD (or schemaRegistry.password) to credentials the registry accepts.`,
      { classification: 'systemic', cause: err },
    )
  }
  const genericBody = failure !== null && !hasRegistryErrorBody(failure)
  const what =
    failure === null
      ? 'failed'
      : failure.status === 400 && genericBody
        ? 'could not be reached (connection failure or timeout)'
        : `answered ${failure.status}`
  // A verdict 404 (an unknown id or subject) is handled before this: one here is the URL's.
  const hint =
    failure?.status === 404
      ? ` The endpoint answered 404${genericBody ? ' without a registry error body' : ' with no Confluent-API verdict'}: SCHEMA_REGISTRY_URL probably does not point at the registry's Confluent API (Apicurio: http://host:port/apis/ccompat/v7).`
      : ' Check SCHEMA_REGISTRY_URL and that the registry runs.'
  return new RelayError(
    'SCHEMA_REGISTRY_UNAVAILABLE',
    `the schema registry ${what} while ${doing}${where}: ${detail}.${hint}`,
    { classification: 'retryable', cause: err },
  )
}
