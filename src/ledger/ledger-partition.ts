import { decodeLedgerEntry, LedgerState, type LedgerEntry } from './ledger-entry.js'

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

/** A relay that runs for months looks for entries past the retention this often. */
const SWEEP_INTERVAL_MS = 60_000

/**
 * The ledger of one input partition, held in memory: restored from the compacted ledger topic
 * when the partition is assigned, then updated by the stage as it stages writes. Entries older
 * than the retention are forgotten, the same as the topic forgets them: when read, and by a sweep
 * at most once a minute as entries are written, so a relay that runs longer than the retention
 * holds only the entries of the window.
 */
export function createLedgerPartition(deps: {
  retentionMs: number
  now?: () => number
}): LedgerPartition {
  const now = deps.now ?? Date.now
  // Both maps are kept in order of their last write (delete, then set), which is the order of the
  // entries' times: a sweep removes expired entries from the front and stops at the first live one.
  const entries = new Map<string, LedgerEntry>()
  const byHolder = new Map<string, HeldCredential>()
  let unreadable = 0
  let lastSweep = now()
  const expired = (entry: { readonly at: number }): boolean => now() - entry.at > deps.retentionMs
  const index = (key: string, entry: LedgerEntry): void => {
    if (entry.state !== LedgerState.issued || !entry.holder || !entry.coreClaimHash) return
    const current = byHolder.get(entry.holder)
    if (current && current.at > entry.at) return
    byHolder.delete(entry.holder)
    byHolder.set(entry.holder, { key, coreClaimHash: entry.coreClaimHash, at: entry.at })
  }
  const write = (key: string, entry: LedgerEntry): void => {
    entries.delete(key)
    entries.set(key, entry)
    index(key, entry)
    if (now() - lastSweep >= SWEEP_INTERVAL_MS) sweep()
  }
  const sweep = (): void => {
    lastSweep = now()
    for (const [key, entry] of entries) {
      if (!expired(entry)) break
      entries.delete(key)
    }
    for (const [holder, held] of byHolder) {
      if (!expired(held)) break
      byHolder.delete(holder)
    }
  }
  return {
    get(key) {
      const entry = entries.get(key)
      if (entry && expired(entry)) {
        entries.delete(key)
        return undefined
      }
      return entry
    },
    set: write,
    latestIssued(holder) {
      const held = byHolder.get(holder)
      return held && !expired(held) ? held : undefined
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
      write(key, entry)
    },
    get size() {
      return entries.size
    },
    get unreadable() {
      return unreadable
    },
  }
}
