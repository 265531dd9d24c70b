import { decodeLedgerEntry, LedgerState, type LedgerEntry } from './ledger-entry.js'
import { packText, unpackText } from './packed-text.js'

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
 *
 * It holds the window's every credential, so it is kept small: keys and hashes are packed
 * (packed-text.ts), an entry's `holder` lives only as the key of the holder index, and that index
 * points at the entry's key instead of copying what the entry says.
 */
export function createLedgerPartition(deps: {
  retentionMs: number
  now?: () => number
}): LedgerPartition {
  const now = deps.now ?? Date.now
  // Both maps are kept in order of their last write (delete, then set), which is the order of the
  // entries' times: a sweep removes expired entries from the front and stops at the first live one.
  /** Packed key → entry (see hold). */
  const entries = new Map<string, LedgerEntry | PackedEntry>()
  /** Packed holder → packed key of the holder's newest ISSUED entry. */
  const byHolder = new Map<string, string>()
  let unreadable = 0
  let lastSweep = now()
  const expired = (entry: { readonly at: number }): boolean => now() - entry.at > deps.retentionMs
  /** The ISSUED entry a holder index slot points at, if it is still one. */
  const issuedAt = (packedKey: string): LedgerEntry | PackedEntry | undefined => {
    const entry = entries.get(packedKey)
    return entry?.state === LedgerState.issued && entry.coreClaimHash !== undefined
      ? entry
      : undefined
  }
  const index = (packedKey: string, entry: LedgerEntry): void => {
    if (entry.state !== LedgerState.issued || !entry.holder || !entry.coreClaimHash) return
    const holder = packText(entry.holder)
    const current = byHolder.get(holder)
    const currentEntry = current === undefined ? undefined : issuedAt(current)
    if (currentEntry && current !== packedKey && currentEntry.at > entry.at) return
    byHolder.delete(holder)
    byHolder.set(holder, packedKey)
  }
  const write = (key: string, entry: LedgerEntry): void => {
    const packedKey = packText(key)
    // the index reads the held entry's time: an older one it still points at must be compared
    // before this entry replaces it
    index(packedKey, entry)
    entries.delete(packedKey)
    entries.set(packedKey, hold(entry))
    if (now() - lastSweep >= SWEEP_INTERVAL_MS) sweep()
  }
  const sweep = (): void => {
    lastSweep = now()
    for (const [key, entry] of entries) {
      if (!expired(entry)) break
      entries.delete(key)
    }
    for (const [holder, key] of byHolder) {
      const entry = issuedAt(key)
      if (entry && !expired(entry)) break
      byHolder.delete(holder)
    }
  }
  return {
    get(key) {
      const packedKey = packText(key)
      const entry = entries.get(packedKey)
      if (entry === undefined) return undefined
      if (expired(entry)) {
        entries.delete(packedKey)
        return undefined
      }
      return release(entry)
    },
    set: write,
    latestIssued(holder) {
      const key = byHolder.get(packText(holder))
      const entry = key === undefined ? undefined : issuedAt(key)
      if (key === undefined || entry === undefined || expired(entry)) return undefined
      const { coreClaimHash, at } = release(entry)
      return coreClaimHash === undefined ? undefined : { key: unpackText(key), coreClaimHash, at }
    },
    applyRecord(key, value) {
      if (value === null) {
        entries.delete(packText(key))
        return
      }
      const entry = decodeLedgerEntry(value)
      if (entry === null) {
        unreadable++
        return
      }
      if (expired(entry)) {
        entries.delete(packText(key))
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

/**
 * ISSUED and ONCHAIN entries, nearly all of a ledger, as held: one fixed shape (no holder, which
 * the index has), the hex texts packed. Other entries are few and brief, and are held as they are.
 */
class PackedEntry {
  constructor(
    readonly state: LedgerState,
    readonly generation: number,
    readonly at: number,
    readonly run: string | null,
    readonly coreClaimHash: string,
    readonly userUuid: string | undefined,
  ) {}
}

function hold(entry: LedgerEntry): LedgerEntry | PackedEntry {
  const { coreClaimHash, userUuid } = entry
  const plain =
    coreClaimHash === undefined ||
    entry.onDuplicate !== undefined ||
    entry.code !== undefined ||
    entry.uncertain !== undefined ||
    entry.epoch !== undefined
  if (plain) return entry
  return new PackedEntry(
    entry.state,
    entry.generation,
    entry.at,
    entry.run,
    packText(coreClaimHash),
    userUuid === undefined ? undefined : packText(userUuid),
  )
}

/** The held entry as the stage reads it (without a holder: only the index uses it). */
function release(entry: LedgerEntry | PackedEntry): LedgerEntry {
  if (!(entry instanceof PackedEntry)) return entry
  const { state, generation, at, run, coreClaimHash, userUuid } = entry
  const unpacked = { state, generation, at, run, coreClaimHash: unpackText(coreClaimHash) }
  return userUuid === undefined ? unpacked : { ...unpacked, userUuid: unpackText(userUuid) }
}
