import type { ErrorCode } from '../errors/error-codes.js'
import type { OnDuplicate } from '../domain/moca-api.js'

/**
 * The ledger remembers, per idempotency key, how far an issuance got. It is the relay's only
 * durable state besides committed offsets. Issue-stage states: INTENT (a call may be under way:
 * written and committed *before* the first issue call), ISSUED, FAILED. Confirm-stage states:
 * ONCHAIN, CONFIRM_FAILED.
 */
export const LedgerState = {
  intent: 'INTENT',
  issued: 'ISSUED',
  failed: 'FAILED',
  onchain: 'ONCHAIN',
  confirmFailed: 'CONFIRM_FAILED',
} as const
export type LedgerState = (typeof LedgerState)[keyof typeof LedgerState]

export interface LedgerEntry {
  readonly state: LedgerState
  /** Issuance generation (bumped by --reissue). */
  readonly generation: number
  /** When this entry was written, epoch ms. */
  readonly at: number
  /** The replay run that wrote it, or null for the live pipeline. */
  readonly run: string | null
  /** INTENT: what the first call asks for. */
  readonly onDuplicate?: OnDuplicate
  /**
   * INTENT of a reissue (generation > 0): the coreClaimHash of the credential the earlier
   * generation issued, which this one replaces. A recovery that gets it back from "ignore" knows
   * the reissue's call never took effect.
   */
  readonly replaces?: string
  /** ISSUED: whose credential slot (domain/holderKey: user and program), to recognise it later. */
  readonly holder?: string
  /** ISSUED / ONCHAIN / CONFIRM_FAILED (the credential whose confirmation failed) */
  readonly coreClaimHash?: string
  readonly userUuid?: string
  /** FAILED / CONFIRM_FAILED */
  readonly code?: ErrorCode
  /** FAILED: an attempt may have been applied by MocaChain, so a redrive must use "ignore". */
  readonly uncertain?: boolean
  /** CONFIRM_FAILED: the confirm epoch that gave up (see ConfirmRequest.epoch). */
  readonly epoch?: number
}

export function encodeLedgerEntry(entry: LedgerEntry): Buffer {
  return Buffer.from(JSON.stringify(entry))
}

const STATES = new Set<string>(Object.values(LedgerState))

/** Returns null for a value this version cannot read (it is skipped, with a warning by the caller). */
export function decodeLedgerEntry(value: Buffer): LedgerEntry | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8'))
  } catch {
    return null
  }
  if (typeof parsed !== 'object' || parsed === null) return null
  const entry = parsed as Partial<LedgerEntry>
  if (typeof entry.state !== 'string' || !STATES.has(entry.state)) return null
  if (typeof entry.generation !== 'number' || typeof entry.at !== 'number') return null
  return { ...entry, run: entry.run ?? null } as LedgerEntry
}
