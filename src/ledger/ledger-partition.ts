import { decodeLedgerEntry, LedgerState, type LedgerEntry } from './ledger-entry.js'

/**
 * The ledger of one input partition, held in memory: restored from the compacted ledger topic
 * when the partition is assigned, then updated by the stage as it stages writes. Entries older
 * than the retention are forgotten, the same as the topic forgets them.
 */
/** The newest credential this partition issued into one holder's slot. */
export interface HeldCredential {
  readonly key: string
  readonly coreClaimHash: string
  readonly at: number
}

export interface LedgerPartition {
  get(key: string): LedgerEntry | undefined
  /** The newest ISSUED entry for a holder (user + program), if this ledger has one. */
  latestIssued(holder: string): HeldCredential | undefined
  set(key: string, entry: LedgerEntry): void
  /** Applies one record read back from the ledger topic (null value = tombstone). */
  applyRecord(key: string, value: Buffer | null): void
  readonly size: number
  /** Records that could not be decoded during restore (written by a newer version?). */
  readonly unreadable: number
}

export function createLedgerPartition(deps: {
  retentionMs: number
  now?: () => number
}): LedgerPartition {
  const now = deps.now ?? Date.now
  const entries = new Map<string, LedgerEntry>()
  const byHolder = new Map<string, HeldCredential>()
  let unreadable = 0
  const index = (key: string, entry: LedgerEntry): void => {
    if (entry.state !== LedgerState.issued || !entry.holder || !entry.coreClaimHash) return
    const current = byHolder.get(entry.holder)
    if (!current || current.at <= entry.at)
      byHolder.set(entry.holder, { key, coreClaimHash: entry.coreClaimHash, at: entry.at })
  }
  const expired = (entry: LedgerEntry): boolean => now() - entry.at > deps.retentionMs
  return {
    get(key) {
      const entry = entries.get(key)
      if (entry && expired(entry)) {
        entries.delete(key)
        return undefined
      }
      return entry
    },
    set(key, entry) {
      entries.set(key, entry)
      index(key, entry)
    },
    latestIssued(holder) {
      return byHolder.get(holder)
    },
    applyRecord(key, value) {
      if (value === null) {
        entries.delete(key)
        return
      }
      const entry = decodeLedgerEntry(value)
      if (entry === null) {
        unreadable++
        return
      }
      if (expired(entry)) {
        entries.delete(key)
        return
      }
      entries.set(key, entry)
      index(key, entry)
    },
    get size() {
      return entries.size
    },
    get unreadable() {
      return unreadable
    },
  }
}
