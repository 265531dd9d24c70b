import type { ProgramRef, SourceRef } from '../domain/issuance-command.js'

/**
 * The confirm stage's work item, on the internal confirm-queue topic, written in the same
 * transaction as `credential.issued`. It exists because status calls are signed with the user's
 * email (one partner JWT per target user), and the public `credential.issued` event must not
 * carry the email: internal topics may, public ones may not.
 */
export interface ConfirmRequest {
  readonly v: 1
  readonly idempotencyKey: string
  readonly generation: number
  readonly route: string
  readonly program: ProgramRef
  readonly email: string
  readonly orderingKey: string
  readonly coreClaimHash: string
  readonly userUuid: string
  /** When MocaChain accepted the issuance, epoch ms: the poll schedule and deadline count from here. */
  readonly issuedAt: number
  readonly source: SourceRef
  readonly traceparent: string | null
  /**
   * 0 for the confirmation the issue wrote; a redrive of a CONFIRM_TIMEOUT writes a newer one
   * (epoch ms), which a CONFIRM_FAILED of an older epoch does not stop.
   */
  readonly epoch?: number
}

export function encodeConfirmRequest(request: ConfirmRequest): Buffer {
  return Buffer.from(JSON.stringify(request))
}

/** Null when the record is not a confirm request this version understands. */
export function decodeConfirmRequest(value: Buffer | null): ConfirmRequest | null {
  if (value === null) return null
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<ConfirmRequest>
    if (
      parsed.v !== 1 ||
      typeof parsed.idempotencyKey !== 'string' ||
      typeof parsed.coreClaimHash !== 'string' ||
      typeof parsed.email !== 'string' ||
      typeof parsed.issuedAt !== 'number' ||
      typeof parsed.generation !== 'number' ||
      typeof parsed.program?.issuerDid !== 'string' ||
      typeof parsed.source?.topic !== 'string'
    ) {
      return null
    }
    return parsed as ConfirmRequest
  } catch {
    return null
  }
}
