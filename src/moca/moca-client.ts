import type { ProgramRef } from '../domain/issuance-command.js'
import type { IssueResponse, OnDuplicate, StatusResponse } from '../domain/moca-api.js'

/** One issue-on-behalf call. The email goes into the partner JWT, the rest into the body. */
export interface IssueCall {
  readonly program: ProgramRef
  readonly email: string
  readonly credentialSubject: Readonly<Record<string, unknown>>
  readonly onDuplicate: OnDuplicate
  /** Sent as the `Idempotency-Key` header. MocaChain does not document it; it costs nothing. */
  readonly idempotencyKey: string
}

export interface StatusCall {
  readonly coreClaimHash: string
  /** The credential holder: the docs sign one JWT per target user, status calls included. */
  readonly email: string
}

export interface CallOptions {
  readonly signal?: AbortSignal
}

/**
 * MocaChain as the pipeline sees it: one attempt per call, no retries inside. Every failure is a
 * `MocaError` (moca-error.ts) whose classification the pipeline acts on; retry policy, the
 * revoke→ignore switch and the circuit breaker live in pipeline/.
 */
export interface MocaClient {
  issue(call: IssueCall, options?: CallOptions): Promise<IssueResponse>
  status(call: StatusCall, options?: CallOptions): Promise<StatusResponse>
  close(): Promise<void>
}
