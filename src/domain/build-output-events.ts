import type { ErrorCode } from '../errors/error-codes.js'
import { generationKey } from './idempotency-key.js'
import type { IssuanceCommand, ProgramRef, SourceRef } from './issuance-command.js'
import { maskEmail, maskEmailsIn } from './mask-email.js'
import type { IssueResponse, OnDuplicate, StatusResponse } from './moca-api.js'
import {
  OutputEventType,
  type CredentialFailed,
  type CredentialIssued,
  type CredentialOnchain,
  type Failure,
} from './output-events.js'

/**
 * Output events are built here and only here. Ids are deterministic (key, generation, type and
 * the credential's coreClaimHash), so a consumer that sees an id twice — e.g. from a
 * non-transactional reader — can drop it. A replay or redrive run adds its run id: a credential
 * it issues again (a replay past ledger retention) is a new credential, whose events must not
 * share ids with the one it replaced.
 */

/** `:<run>` for an outcome of a replay or redrive run, nothing for the live relay's. */
function runSuffix(run: string | null | undefined): string {
  return run ? `:${run}` : ''
}

/**
 * `:<coreClaimHash>`, MocaChain's id of the credential, when the event is about one: two inputs
 * with the same content on different input partitions are two issuances under one idempotency
 * key (the ledger dedupes within a partition), and the second replaces the first. Their events
 * must not share ids, or a consumer that deduplicates on id keeps the revoked credential.
 */
function credentialSuffix(coreClaimHash: string | null | undefined): string {
  return coreClaimHash ? `:${coreClaimHash}` : ''
}

export function buildIssued(input: {
  readonly command: IssuanceCommand
  readonly generation: number
  readonly response: IssueResponse
  readonly onDuplicate: OnDuplicate
  readonly attempts: number
  readonly issuedAt: Date
  /** The replay or redrive run that issued it; null for the live relay. */
  readonly run: string | null
}): CredentialIssued {
  const { command } = input
  return {
    type: OutputEventType.issued,
    id: `${generationKey(command.idempotencyKey, input.generation)}:issued${credentialSuffix(input.response.coreClaimHash)}${runSuffix(input.run)}`,
    time: input.issuedAt.toISOString(),
    idempotencyKey: command.idempotencyKey,
    generation: input.generation,
    route: command.route,
    credentialId: command.program.credentialId,
    issuerDid: command.program.issuerDid,
    source: command.source,
    coreClaimHash: input.response.coreClaimHash,
    userUuid: input.response.userUuid,
    onDuplicate: input.onDuplicate,
    attempts: input.attempts,
    emailMasked: maskEmail(command.email),
    issuedAt: input.issuedAt.toISOString(),
  }
}

export function buildOnchain(input: {
  readonly idempotencyKey: string
  readonly generation: number
  readonly route: string
  readonly program: ProgramRef
  readonly source: SourceRef
  /** The credential.issued's hash: the status answer confirms this credential, it does not name it. */
  readonly coreClaimHash: string
  readonly userUuid: string
  readonly status: StatusResponse
  readonly at: Date
  /** The replay or redrive run that issued the credential (ConfirmRequest.run); null: live. */
  readonly run: string | null
}): CredentialOnchain {
  return {
    type: OutputEventType.onchain,
    id: `${generationKey(input.idempotencyKey, input.generation)}:onchain${credentialSuffix(input.coreClaimHash)}${runSuffix(input.run)}`,
    time: input.at.toISOString(),
    idempotencyKey: input.idempotencyKey,
    generation: input.generation,
    route: input.route,
    credentialId: input.program.credentialId,
    issuerDid: input.program.issuerDid,
    source: input.source,
    coreClaimHash: input.coreClaimHash,
    userUuid: input.userUuid,
    vcId: input.status.vcId ?? null,
    issuanceDate: input.status.issuanceDate ?? null,
    vcStatus: input.status.vcStatus,
  }
}

export function buildFailed(input: {
  readonly stage: CredentialFailed['stage']
  readonly idempotencyKey: string | null
  readonly generation: number
  readonly route: string | null
  readonly program: ProgramRef | null
  readonly source: SourceRef
  readonly failure: Failure
  readonly coreClaimHash?: string | null
  readonly userUuid?: string | null
  readonly at: Date
  /**
   * A redrive or replay run: its outcome is a new event, not a repeat of the first failure. For
   * the confirm stage, the run that issued the credential.
   */
  readonly run?: string | null
  /**
   * A redrive's confirmation (ConfirmRequest.epoch > 0): it runs in the live confirm stage, so
   * `run` cannot tell it from the first confirmation; its outcome is a new event too.
   */
  readonly epoch?: number
  /**
   * Tells this failure from the credential's own: the confirm-queue record that could not be
   * read (`q<partition>-<offset>`), so a stray corrupt copy of a request never shares its id with
   * the outcome of the real one.
   */
  readonly unreadable?: string
}): CredentialFailed {
  const subject =
    input.idempotencyKey === null
      ? `${input.source.topic}:${input.source.partition}:${input.source.offset}`
      : generationKey(input.idempotencyKey, input.generation)
  return {
    type: OutputEventType.failed,
    id: `${subject}:failed:${input.stage}${credentialSuffix(input.coreClaimHash)}${runSuffix(input.run)}${input.epoch ? `:e${input.epoch}` : ''}${input.unreadable ? `:${input.unreadable}` : ''}`,
    time: input.at.toISOString(),
    idempotencyKey: input.idempotencyKey,
    generation: input.generation,
    route: input.route,
    credentialId: input.program?.credentialId ?? null,
    issuerDid: input.program?.issuerDid ?? null,
    source: input.source,
    stage: input.stage,
    coreClaimHash: input.coreClaimHash ?? null,
    userUuid: input.userUuid ?? null,
    failure: input.failure,
  }
}

/** Messages quote records and servers; no published failure may carry an email in clear. */
export function failure(
  code: ErrorCode,
  message: string,
  httpStatus: number | null,
  attempts: number,
): Failure {
  return { code, message: maskEmailsIn(message), httpStatus, attempts }
}
