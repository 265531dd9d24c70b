import type { ErrorCode } from '../errors/error-codes.js'
import type { OnDuplicate } from './moca-api.js'
import type { SourceRef } from './issuance-command.js'

/**
 * The three events moca-relay publishes. Their JSON Schemas in schemas/ are the contract for
 * downstream consumers; a test keeps these types and those files in step.
 *
 * No event carries the user's email or any secret: downstream correlates on `source`, the record
 * key (the input record's key) and `userUuid`.
 */
export const OutputEventType = {
  issued: 'credential.issued',
  onchain: 'credential.onchain',
  failed: 'credential.failed',
} as const
export type OutputEventType = (typeof OutputEventType)[keyof typeof OutputEventType]

interface OutputEventBase {
  /** Deterministic: the same outcome always gets the same id, so consumers can dedupe on it. */
  readonly id: string
  /** When the relay decided the outcome, ISO-8601 UTC. */
  readonly time: string
  /** Null only for records that could not be decoded into a command. */
  readonly idempotencyKey: string | null
  /** Issuance generation: 0, bumped by `replay --reissue`. */
  readonly generation: number
  readonly route: string | null
  /** The Issuance Program id. */
  readonly credentialId: string | null
  readonly issuerDid: string | null
  readonly source: SourceRef
}

export interface CredentialIssued extends OutputEventBase {
  readonly type: typeof OutputEventType.issued
  readonly credentialId: string
  readonly issuerDid: string
  readonly idempotencyKey: string
  readonly coreClaimHash: string
  readonly userUuid: string
  /** What the successful call asked for: "ignore" means the credential was recovered. */
  readonly onDuplicate: OnDuplicate
  readonly attempts: number
  /** Masked target email (`j***@example.com`), for humans only. */
  readonly emailMasked: string
  /** When MocaChain accepted the issuance; the confirm deadline counts from here. */
  readonly issuedAt: string
}

export interface CredentialOnchain extends OutputEventBase {
  readonly type: typeof OutputEventType.onchain
  readonly credentialId: string
  readonly issuerDid: string
  readonly idempotencyKey: string
  readonly coreClaimHash: string
  readonly userUuid: string
  readonly vcId: string | null
  readonly issuanceDate: string | null
  readonly vcStatus: string
}

export interface Failure {
  readonly code: ErrorCode
  readonly httpStatus: number | null
  readonly message: string
  readonly attempts: number
}

export interface CredentialFailed extends OutputEventBase {
  readonly type: typeof OutputEventType.failed
  /** Which stage gave up: the issue stage, or the confirm stage after a successful issue. */
  readonly stage: 'decode' | 'issue' | 'confirm'
  readonly coreClaimHash: string | null
  readonly userUuid: string | null
  readonly failure: Failure
}

export type OutputEvent = CredentialIssued | CredentialOnchain | CredentialFailed
