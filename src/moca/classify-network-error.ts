import { isProgrammerError } from '../errors/relay-error.js'
import { MocaError, notSentError, type MocaOperation } from './moca-error.js'

/**
 * Failures that stop a request before it is sent: connection refused, name not resolved, no
 * route, connect timeout, TLS rejected the server, or the pool was already closed. Retrying them
 * is safe even for a POST, but only when undici had not written the request: a lost route
 * (EHOSTUNREACH, ENETUNREACH…) also ends a connection the request already went out on.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** A request that got no usable answer, as request-text reports it (Unanswered, a failed body). */
export interface RequestFailure {
  /** undici's or Node's error; the abort reason when `aborted`. */
  readonly error: unknown
  /** The request had gone onto a connected socket: MocaChain may have received it. */
  readonly written: boolean
  /** The caller's signal ended the call. */
  readonly aborted: boolean
}

/** Thrown by undici for arguments our own code got wrong: a bug, never retried. */
const PROGRAMMER_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
])

/**
 * Turns a failed request into a MocaError, matching undici/Node errors on `err.code` (never
 * instanceof: undici can be loaded twice). It is "not sent" only when undici had not written the
 * request and the code says why; anything else may have reached MocaChain and is uncertain:
 * headers or body timeouts, resets, "other side closed", parser errors, codes we do not know, and
 * any failure once the request was written. An abort is judged by how far the request got alone:
 * its reason is the caller's, and a code on it says nothing about the wire. Programmer errors are
 * rethrown untouched so the pipeline never retries a bug.
 */
export function classifyNetworkError(failure: RequestFailure, operation: MocaOperation): MocaError {
  const { error: err, written, aborted } = failure
  const what = operation === 'issue' ? 'issue-on-behalf' : 'status'
  const detail = err instanceof Error ? err.message : String(err)
  if (aborted) {
    return written
      ? uncertainError(
          operation,
          `MocaChain ${what} request was aborted after it was sent (${detail}); it may have been applied`,
          err,
        )
      : notSentError(operation, `MocaChain ${what} request was aborted before it was sent`, err)
  }
  const code = errorCode(err)
  if ((code === undefined && isProgrammerError(err)) || (code && PROGRAMMER_CODES.has(code))) {
    throw err
  }
  const label = code ?? 'no code'
  if (!written && code !== undefined && NOT_SENT_CODES.has(code)) {
    return notSentError(
      operation,
      `MocaChain ${what} request was not sent (${label}): ${detail}`,
      err,
    )
  }
  return uncertainError(
    operation,
    `MocaChain ${what} request got no complete answer (${label}): ${detail}; it may have been applied`,
    err,
  )
}

function uncertainError(operation: MocaOperation, message: string, cause: unknown): MocaError {
  return new MocaError('MOCA_UNCERTAIN', message, {
    operation,
    classification: 'retryable',
    httpStatus: null,
    uncertain: true,
    // No answer at all: MocaChain may still be working on it.
    mayLandLater: true,
    retryAfterMs: null,
    mocaMessage: null,
    duplicateConflict: false,
    cause,
  })
}

/** `err.code`, or that of the first inner error of an AggregateError (happy-eyeballs connects). */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') return code
  if ((err as { name?: unknown }).name === 'AbortError') return 'ABORT_ERR'
  if ((err as { name?: unknown }).name === 'TimeoutError') return 'TIMEOUT_ERR'
  const inner = (err as { errors?: unknown }).errors
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined
}
