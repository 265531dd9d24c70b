import type { FaultKind } from './sandbox-faults.js'

/** What became of a call on the wire. */
export type CallOutcome = 'answered' | 'reset' | 'hang'

/** What the call did to MocaChain's state. */
export type CallAction = 'issued' | 'reissued' | 'returned-existing'

/** One issue-on-behalf call as the sandbox received it: `GET /_sandbox/calls` lists these. */
export interface IssueCallRecord {
  readonly seq: number
  readonly at: string
  /** From the JWT; null when the token could not even be decoded. */
  readonly email: string | null
  readonly issuerDid: string | null
  readonly credentialId: string | null
  readonly onDuplicate: string | null
  readonly idempotencyKey: string | null
  /** The status answered; null for a reset or a hang. */
  readonly httpStatus: number | null
  readonly outcome: CallOutcome
  readonly fault: FaultKind | null
  /** True when the call changed state (issued or revoked), whatever the client saw. */
  readonly applied: boolean
  readonly action: CallAction | null
  readonly coreClaimHash: string | null
  /** The credential revoked by an onDuplicate "revoke" call. */
  readonly revokedCoreClaimHash: string | null
  /** Why a 4xx was answered, as the sandbox sees it (a 401's reason, say). */
  readonly reason: string | null
}

export type IssueCallInput = Omit<IssueCallRecord, 'seq' | 'at'> & { readonly atMs: number }

interface StoredCall extends Omit<IssueCallRecord, 'at'> {
  readonly atMs: number
}

export interface CallLog {
  record(call: IssueCallInput): void
  /** Retained calls, oldest first; `limit` keeps the newest N. */
  list(options?: { readonly limit?: number }): IssueCallRecord[]
  readonly total: number
  readonly retained: number
  clear(): void
}

/** A bounded ring of issue calls: the newest `limit` are kept, `total` counts every one. */
export function createCallLog(deps: { readonly limit: number }): CallLog {
  const ring: (StoredCall | undefined)[] = new Array<StoredCall | undefined>(deps.limit)
  let total = 0

  return {
    record(call) {
      total += 1
      ring[(total - 1) % deps.limit] = { ...call, seq: total }
    },
    list(options = {}) {
      const retained = Math.min(total, deps.limit)
      const count = Math.min(retained, options.limit ?? retained)
      const out: IssueCallRecord[] = []
      for (let seq = total - count + 1; seq <= total; seq += 1) {
        const stored = ring[(seq - 1) % deps.limit]
        if (stored === undefined) continue
        const { atMs, seq: storedSeq, ...rest } = stored
        out.push({ seq: storedSeq, at: new Date(atMs).toISOString(), ...rest })
      }
      return out
    },
    get total() {
      return total
    },
    get retained() {
      return Math.min(total, deps.limit)
    },
    clear() {
      ring.fill(undefined)
      total = 0
    },
  }
}
