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
  /**
   * The ISSUED entry a holder index slot points at, if it is still one and still the holder's: a
   * key is rewritten for another holder when its event comes again with another email (event-id
   * keys do not include it), which leaves the first holder's slot pointing at the other's entry.
   */
  const issuedAt = (
    packedKey: string,
    packedHolder: string,
  ): LedgerEntry | PackedEntry | undefined => {
    const entry = entries.get(packedKey)
    if (entry?.state !== LedgerState.issued || entry.coreClaimHash === undefined) return undefined
    const own =
      entry instanceof PackedEntry
        ? entry.holderPrint === fingerprint(packedHolder)
        : entry.holder !== undefined && packText(entry.holder) === packedHolder
    return own ? entry : undefined
  }
  const index = (packedKey: string, entry: LedgerEntry, holder: string | undefined): void => {
    if (entry.state !== LedgerState.issued || !holder || !entry.coreClaimHash) return
    const current = byHolder.get(holder)
    const currentEntry = current === undefined ? undefined : issuedAt(current, holder)
    if (currentEntry && current !== packedKey && currentEntry.at > entry.at) return
    byHolder.delete(holder)
    byHolder.set(holder, packedKey)
  }
  const write = (key: string, entry: LedgerEntry): void => {
    const packedKey = packText(key)
    const holder = entry.holder === undefined ? undefined : packText(entry.holder)
    // the index reads the held entry's time: an older one it still points at must be compared
    // before this entry replaces it
    index(packedKey, entry, holder)
    entries.delete(packedKey)
    entries.set(packedKey, hold(entry, holder))
    if (now() - lastSweep >= SWEEP_INTERVAL_MS) sweep()
  }
  const sweep = (): void => {
    lastSweep = now()
    for (const [key, entry] of entries) {
      if (!expired(entry)) break
      entries.delete(key)
    }
    // a slot left pointing at another holder's entry goes here too: released once it is at the
    // front, at the latest when the entry it first pointed at would have expired
    for (const [holder, key] of byHolder) {
      const entry = issuedAt(key, holder)
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
      const packedHolder = packText(holder)
      const key = byHolder.get(packedHolder)
      const entry = key === undefined ? undefined : issuedAt(key, packedHolder)
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
 * ISSUED and ONCHAIN entries, nearly all of a ledger, as held: one fixed shape, the hex texts
 * packed. The holder itself is the key of the index; the entry keeps only its fingerprint, so the
 * index can tell a slot still pointing at a key since rewritten for another holder. Other entries
 * are few and brief, and are held as they are.
 */
class PackedEntry {
  constructor(
    readonly state: LedgerState,
    readonly generation: number,
    readonly at: number,
    readonly run: string | null,
    readonly coreClaimHash: string,
    readonly userUuid: string | undefined,
    /** fingerprint(packed holder), 0 without one. */
    readonly holderPrint: number,
  ) {}
}

/**
 * 28 bits of a packed holder (FNV-1a): a small integer V8 keeps in the entry's field itself (a
 * Smi), where the holder's packed text would cost some 50 bytes more per entry. Two holders share
 * a fingerprint 1 in 2^28 times, and that matters only in the rare case the index check is for: a
 * key rewritten from one holder to the other. latestIssued of the first then returns the second's
 * credential, as it did before the check. Its one reader (issue-call's isPreviousCredential)
 * compares it with what MocaChain answers for the first holder's slot, never the second holder's
 * credential, so it answers "not the previous credential", as when the ledger knows none: the
 * cost is a recovery that does not recognise the slot's previous credential.
 */
function fingerprint(packedHolder: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < packedHolder.length; i++) {
    hash = Math.imul(hash ^ packedHolder.charCodeAt(i), 0x01000193)
  }
  return hash & 0x0fffffff
}

function hold(entry: LedgerEntry, packedHolder: string | undefined): LedgerEntry | PackedEntry {
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
    packedHolder === undefined ? 0 : fingerprint(packedHolder),
  )
}

/** The held entry as the stage reads it (without a holder: only the index uses it). */
function release(entry: LedgerEntry | PackedEntry): LedgerEntry {
  if (!(entry instanceof PackedEntry)) return entry
  const { state, generation, at, run, coreClaimHash, userUuid } = entry
  const unpacked = { state, generation, at, run, coreClaimHash: unpackText(coreClaimHash) }
  return userUuid === undefined ? unpacked : { ...unpacked, userUuid: unpackText(userUuid) }
}
