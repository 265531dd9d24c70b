import type { ErrorCode } from '../errors/error-codes.js'
import { RelayError, type ErrorClassification } from '../errors/relay-error.js'

/** Which MocaChain call failed. */
export const MocaOperation = { issue: 'issue', status: 'status' } as const
export type MocaOperation = (typeof MocaOperation)[keyof typeof MocaOperation]

export interface MocaErrorDetails {
  readonly operation: MocaOperation
  readonly classification: ErrorClassification
  /** The HTTP status MocaChain answered, or null when no response came back. */
  readonly httpStatus: number | null
  /**
   * True when MocaChain may have applied the request although we saw a failure (timeout or reset
   * after sending, a 5xx from a server or gateway that can fail after the work). The pipeline
   * re-sends an uncertain issue with onDuplicate "ignore" instead of "revoke".
   */
  readonly uncertain: boolean
  /**
   * True when the request may still be applied after this failure was seen: no answer came back
   * at all, or a gateway answered for MocaChain (502, 503, 504, a CDN's 52x, a 5xx without
   * MocaChain's own error body) while MocaChain may still be working on it. False when nothing
   * was sent, or MocaChain's own handler answered (its work is over). The pipeline asks "ignore"
   * only once such a call could have landed (invariant 2), or "ignore" finds the user's previous
   * credential, concludes the call never took effect, and sends a second "revoke".
   */
  readonly mayLandLater: boolean
  /** The server's Retry-After (429, 503), capped; null when absent or not honoured. */
  readonly retryAfterMs: number | null
  /** A short, sanitised excerpt of MocaChain's error message; never headers or tokens. */
  readonly mocaMessage: string | null
  /** A 409 to an onDuplicate "ignore" call that did not clearly say "consent". */
  readonly duplicateConflict: boolean
  readonly cause?: unknown
}

/**
 * Every failure of a MocaChain call. The pipeline reads `classification`, `uncertain`,
 * `mayLandLater` and `retryAfterMs`; it never looks at HTTP statuses or undici codes itself.
 */
export class MocaError extends RelayError {
  override readonly name = 'MocaError'
  readonly operation: MocaOperation
  readonly httpStatus: number | null
  readonly uncertain: boolean
  readonly mayLandLater: boolean
  readonly retryAfterMs: number | null
  readonly mocaMessage: string | null
  readonly duplicateConflict: boolean

  constructor(code: ErrorCode, message: string, details: MocaErrorDetails) {
    super(code, message, { classification: details.classification, cause: details.cause })
    this.operation = details.operation
    this.httpStatus = details.httpStatus
    this.uncertain = details.uncertain
    this.mayLandLater = details.mayLandLater
    this.retryAfterMs = details.retryAfterMs
    this.mocaMessage = details.mocaMessage
    this.duplicateConflict = details.duplicateConflict
  }
}

/**
 * A call that provably never left this process (refused connection, closed client, a wait it
 * was cancelled in): MOCA_UNAVAILABLE, retryable, and certain, since nothing can have been applied.
 */
export function notSentError(
  operation: MocaOperation,
  message: string,
  cause?: unknown,
): MocaError {
  return new MocaError('MOCA_UNAVAILABLE', message, {
    operation,
    classification: 'retryable',
    httpStatus: null,
    uncertain: false,
    mayLandLater: false,
    retryAfterMs: null,
    mocaMessage: null,
    duplicateConflict: false,
    ...(cause === undefined ? {} : { cause }),
  })
}

/** Duck-typed, like isRelayError: errors may cross module copies, so no instanceof. */
export function isMocaError(err: unknown): err is MocaError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code.startsWith('MOCA_') &&
    typeof (err as { uncertain?: unknown }).uncertain === 'boolean'
  )
}
