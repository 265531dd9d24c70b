import type { ErrorClassification } from '../../src/errors/relay-error.js'
import { classifyHttpFailure } from '../../src/moca/classify-http-failure.js'
import { MocaError } from '../../src/moca/moca-error.js'

/** What the MocaChain client throws for an HTTP answer it classified (no Retry-After, certain). */
export function mocaFailure(
  operation: 'issue' | 'status',
  code: string,
  classification: ErrorClassification,
  httpStatus: number,
): MocaError {
  return new MocaError(code as never, `MocaChain answered ${httpStatus}`, {
    operation,
    classification,
    httpStatus,
    uncertain: false,
    mayLandLater: false,
    retryAfterMs: null,
    mocaMessage: null,
    duplicateConflict: false,
  })
}

/**
 * What the MocaChain client throws for an HTTP answer, through the real classifier: for pipeline
 * tests that feed the stages what a gateway, a moved host or MocaChain itself answered.
 */
export function classifiedAnswer(
  operation: 'issue' | 'status',
  answer: {
    readonly status: number
    readonly body?: string
    readonly retryAfter?: string
    readonly location?: string
  },
): MocaError {
  return classifyHttpFailure({
    operation,
    httpStatus: answer.status,
    bodyText: answer.body ?? '',
    retryAfter: answer.retryAfter,
    location: answer.location,
    requestUrl:
      operation === 'issue'
        ? 'https://api.sandbox.mocachain.org/v1/credentials/issue-on-behalf'
        : 'https://api.sandbox.mocachain.org/v1/credentials/status',
    onDuplicate: operation === 'issue' ? 'revoke' : null,
    maxRetryAfterMs: 60_000,
    nowMs: Date.now(),
  })
}
