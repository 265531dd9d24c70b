import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/domain/idempotency-key.js'
import { encodeLedgerEntry, type LedgerEntry } from '../../src/ledger/ledger-entry.js'
import { createLedgerPartition } from '../../src/ledger/ledger-partition.js'

const DAY = 86_400_000

const issued = (at: number, coreClaimHash: string): LedgerEntry => ({
  state: 'ISSUED',
  generation: 0,
  at,
  run: null,
  holder: 'holder-ada',
  coreClaimHash,
  userUuid: 'u-1',
})

describe('ledger partition', () => {
  it('forgets an entry older than the retention, as the topic does', () => {
    let now = 10 * DAY
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    ledger.set('key-1', issued(now, 'hash-1'))
    expect(ledger.get('key-1')?.state).toBe('ISSUED')
    now += 31 * DAY
    expect(ledger.get('key-1')).toBeUndefined()
  })

  it("restores no entry older than the retention: not counted, not the holder's previous credential", () => {
    const now = 40 * DAY
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    ledger.applyRecord('key-old', encodeLedgerEntry(issued(now - 31 * DAY, 'hash-old')))
    ledger.applyRecord('key-new', encodeLedgerEntry(issued(now - DAY, 'hash-new')))
    // "partition restored" logs this count: what the ledger holds, not what the topic still had
    expect(ledger.size).toBe(1)
    expect(ledger.get('key-old')).toBeUndefined()
    expect(ledger.latestIssued('holder-ada')?.key).toBe('key-new')

    const onlyOld = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    onlyOld.applyRecord('key-old', encodeLedgerEntry(issued(now - 31 * DAY, 'hash-old')))
    expect(onlyOld.latestIssued('holder-ada')).toBeUndefined()
  })

  it('running past the retention, holds only the window: entries never read again are dropped', () => {
    let now = 0
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    for (let day = 0; day < 90; day++) {
      now = day * DAY
      for (let i = 0; i < 10; i++) ledger.set(`key-${day}-${i}`, issued(now, `hash-${day}-${i}`))
    }
    // Days 59 to 89 are within 30 days of day 89; nothing older was read since it was written.
    expect(ledger.size).toBe(31 * 10)
    expect(ledger.get('key-59-0')?.coreClaimHash).toBe('hash-59-0')
  })

  it('keeps an entry rewritten within the window, however old its first write', () => {
    let now = 0
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    ledger.set('key-a', { ...issued(0, 'hash-a'), state: 'INTENT' })
    ledger.set('key-b', issued(0, 'hash-b'))
    now = 20 * DAY
    ledger.set('key-a', issued(now, 'hash-a'))
    now = 35 * DAY
    ledger.set('key-c', issued(now, 'hash-c'))
    // before any read: get() would drop key-b on its own
    expect(ledger.size).toBe(2)
    expect(ledger.get('key-a')?.state).toBe('ISSUED')
    expect(ledger.get('key-b')).toBeUndefined()
  })

  it("forgets a holder's previous credential after the retention, as a restart would", () => {
    let now = 0
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    ledger.set('key-1', issued(now, 'hash-1'))
    now = 29 * DAY
    expect(ledger.latestIssued('holder-ada')?.coreClaimHash).toBe('hash-1')
    now = 31 * DAY
    expect(ledger.latestIssued('holder-ada')).toBeUndefined()
  })

  it('forgets a key whose record was deleted with a tombstone', () => {
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 0 })
    ledger.applyRecord('key-1', encodeLedgerEntry(issued(0, 'hash-1')))
    ledger.applyRecord('key-1', null)
    expect(ledger.get('key-1')).toBeUndefined()
  })

  it("remembers the newest credential of a holder's slot, whatever order the entries come in", () => {
    for (const order of [
      ['old', 'new'],
      ['new', 'old'],
    ]) {
      const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 2_000 })
      for (const which of order) {
        const at = which === 'old' ? 1_000 : 2_000
        ledger.applyRecord(`key-${which}`, encodeLedgerEntry(issued(at, `hash-${which}`)))
      }
      expect(ledger.latestIssued('holder-ada')).toEqual({
        key: 'key-new',
        coreClaimHash: 'hash-new',
        at: 2_000,
      })
    }
  })

  it('counts records it cannot read, and keeps what it knew of their key', () => {
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 0 })
    ledger.applyRecord('key-1', encodeLedgerEntry(issued(0, 'hash-1')))
    ledger.applyRecord('key-1', Buffer.from('{"state":"REVOKED","generation":0,"at":0}'))
    ledger.applyRecord('key-1', Buffer.from('{"state":"ISSUED","at":0}'))
    ledger.applyRecord('key-1', Buffer.from('not json'))
    expect(ledger.unreadable).toBe(3)
    expect(ledger.get('key-1')?.coreClaimHash).toBe('hash-1')
  })

  it('gives back the keys, hashes and user ids it was given, in the shapes MocaChain and the relay use (held packed)', () => {
    const key = sha256Hex('key')
    const generationKey = `${key}.g1`
    const entry: LedgerEntry = {
      state: 'ISSUED',
      generation: 0,
      at: 1_000,
      run: null,
      holder: sha256Hex('holder'),
      coreClaimHash: sha256Hex('claim'),
      userUuid: randomUUID(),
    }
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 2_000 })
    ledger.applyRecord(key, encodeLedgerEntry(entry))
    ledger.set(generationKey, {
      ...entry,
      generation: 1,
      at: 2_000,
      coreClaimHash: sha256Hex('claim-2'),
    })

    expect(ledger.get(key)).toMatchObject({
      state: 'ISSUED',
      coreClaimHash: entry.coreClaimHash,
      userUuid: entry.userUuid,
    })
    expect(ledger.get(generationKey)?.coreClaimHash).toBe(sha256Hex('claim-2'))
    expect(ledger.latestIssued(entry.holder!)).toEqual({
      key: generationKey,
      coreClaimHash: sha256Hex('claim-2'),
      at: 2_000,
    })
    expect(ledger.get(key.toUpperCase())).toBeUndefined()
  })

  it("still finds a holder's credential whose ISSUED entry carries fields it does not pack (another version's)", () => {
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 1_000 })
    ledger.applyRecord(
      'key-1',
      encodeLedgerEntry({ ...issued(1_000, 'hash-1'), onDuplicate: 'revoke' }),
    )
    expect(ledger.latestIssued('holder-ada')).toEqual({
      key: 'key-1',
      coreClaimHash: 'hash-1',
      at: 1_000,
    })
    expect(ledger.get('key-1')?.coreClaimHash).toBe('hash-1')
  })

  it('keeps a userUuid of any shape MocaChain sends, written live or restored', () => {
    // dashes where a UUID has them, and more
    const userUuid = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaa--'
    const entry: LedgerEntry = { ...issued(1_000, sha256Hex('claim')), userUuid }
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 1_000 })
    ledger.set('key-live', entry)
    ledger.applyRecord('key-restored', encodeLedgerEntry(entry))
    expect(ledger.get('key-live')?.userUuid).toBe(userUuid)
    expect(ledger.get('key-restored')?.userUuid).toBe(userUuid)
  })

  it('never gives a holder the credential of another holder its key was rewritten for, live or restored', () => {
    // event-id keys do not include the email: the same event again, with another email
    const key = sha256Hex('event-key')
    const ada = sha256Hex('holder-ada')
    const bob = sha256Hex('holder-bob')
    const forAda = { ...issued(1_000, sha256Hex('claim-ada')), holder: ada }
    const forBob = { ...issued(2_000, sha256Hex('claim-bob')), holder: bob, generation: 1 }
    let now = 1_000
    const live = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    live.set(key, forAda)
    now = 2_000
    live.set(key, forBob)
    const full = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    full.applyRecord(key, encodeLedgerEntry(forAda))
    full.applyRecord(key, encodeLedgerEntry(forBob))
    // the compacted topic holds only the key's last record
    const compacted = createLedgerPartition({ retentionMs: 30 * DAY, now: () => now })
    compacted.applyRecord(key, encodeLedgerEntry(forBob))

    for (const ledger of [live, full, compacted]) {
      expect(ledger.latestIssued(ada)).toBeUndefined()
      expect(ledger.latestIssued(bob)).toEqual({
        key,
        coreClaimHash: sha256Hex('claim-bob'),
        at: 2_000,
      })
    }
    // Ada's slot, left at the rewritten key, takes her next credential whatever its time
    live.applyRecord('key-ada-2', encodeLedgerEntry({ ...forAda, at: 1_500 }))
    expect(live.latestIssued(ada)?.key).toBe('key-ada-2')
  })

  it('finds every entry and holder by exactly the text it was given, whether it packs or not', () => {
    const hex = sha256Hex('x')
    const texts = [
      hex,
      hex.toUpperCase(),
      hex.slice(0, 63),
      `${hex}.g12`,
      `\u0001${hex}`,
      '\u0000\u0001',
      '\u0002',
      '\ud800',
      'ünï',
      '@offset:12',
      randomUUID(),
      randomUUID().toUpperCase(),
    ]
    const ledger = createLedgerPartition({ retentionMs: 30 * DAY, now: () => 1_000 })
    for (const text of texts) {
      ledger.set(text, { ...issued(1_000, text), holder: text, userUuid: randomUUID() })
    }
    for (const text of texts) {
      expect(ledger.get(text)?.coreClaimHash).toBe(text)
      expect(ledger.latestIssued(text)?.key).toBe(text)
    }
  })
})
