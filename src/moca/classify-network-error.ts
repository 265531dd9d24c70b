import { isProgrammerError } from '../errors/relay-error.js'
import { MocaError, notSentError, type MocaOperation } from './moca-error.js'

/**
 * Failures where the request provably never left this process: connection refused, name not
 * resolved, connect timeout, TLS rejected the server, or the pool was already closed. Retrying
 * them is safe even for a POST.
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

/** Thrown by undici for arguments our own code got wrong: a bug, never retried. */
const PROGRAMMER_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
])

/**
 * Turns an undici/Node error into a MocaError, matching on `err.code` (never instanceof: undici
 * can be loaded twice). Anything not known to have failed before sending is uncertain: headers or
 * body timeouts, resets, "other side closed", aborts, parser errors, and codes we do not know.
 * Programmer errors are rethrown untouched so the pipeline never retries a bug.
 */
export function classifyNetworkError(err: unknown, operation: MocaOperation): MocaError {
  const code = errorCode(err)
  if ((code === undefined && isProgrammerError(err)) || (code && PROGRAMMER_CODES.has(code))) {
    throw err
  }
  const label = code ?? 'no code'
  const detail = err instanceof Error ? err.message : String(err)
  const what = operation === 'issue' ? 'issue-on-behalf' : 'status'
  if (code !== undefined && NOT_SENT_CODES.has(code)) {
    return notSentError(
      operation,
      `MocaChain ${what} request was not sent (${label}): ${detail}`,
      err,
    )
  }
  return new MocaError(
    'MOCA_UNCERTAIN',
    `MocaChain ${what} request got no complete answer (${label}): ${detail}; it may have been applied`,
    {
      operation,
      classification: 'retryable',
      httpStatus: null,
      uncertain: true,
      retryAfterMs: null,
      mocaMessage: null,
      duplicateConflict: false,
      cause: err,
    },
  )
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
