import type { ErrorCode } from './error-codes.js'

/**
 * How the pipeline reacts to an error. The pipeline reads only this; the edge that raised the
 * error (moca/, kafka/, config/) decides it.
 * - `retryable`: try again later with backoff, for this event only.
 * - `terminal`: this event cannot succeed; it becomes a `credential.failed` event.
 * - `systemic`: nothing on this route can succeed until an operator acts; the route's circuit
 *   opens and consumption pauses. Never turned into an event.
 */
export const ErrorClassification = {
  retryable: 'retryable',
  terminal: 'terminal',
  systemic: 'systemic',
} as const
export type ErrorClassification = (typeof ErrorClassification)[keyof typeof ErrorClassification]

export interface RelayErrorOptions {
  classification: ErrorClassification
  cause?: unknown
}

/** The one base error of moca-relay. Match on `code`, not on the class. */
export class RelayError extends Error {
  override readonly name: string = 'RelayError'
  readonly code: ErrorCode
  readonly classification: ErrorClassification

  constructor(code: ErrorCode, message: string, options: RelayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.classification = options.classification
  }
}

/** True for errors that come from a bug in our code: they are never retried. */
export function isProgrammerError(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError
  )
}

export function isRelayError(err: unknown): err is RelayError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { classification?: unknown }).classification === 'string'
  )
}
