import { describe, expect, it } from 'vitest'
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
})
