import type { ErrorClassification } from '../../src/errors/relay-error.js'
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
