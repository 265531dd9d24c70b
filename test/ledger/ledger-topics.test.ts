import { describe, expect, it } from 'vitest'
import {
  confirmLedgerTopic,
  confirmQueueTopic,
  issueLedgerTopic,
  offsetLedgerKey,
} from '../../src/ledger/ledger-topics.js'

describe('ledger topic names and keys', () => {
  it('are the stored names an upgrade must keep finding', () => {
    expect(issueLedgerTopic('moca-relay', 'kyc.completed')).toBe(
      'moca-relay.issue-ledger.kyc.completed',
    )
    expect(confirmQueueTopic('moca-relay')).toBe('moca-relay.confirm-queue')
    expect(confirmLedgerTopic('moca-relay')).toBe('moca-relay.confirm-ledger')
    // the key under which an undecodable record's failure is remembered, so a replay skips it
    expect(offsetLedgerKey('42')).toBe('@offset:42')
  })

  it('never collide with the internal topics, whatever an input topic is called', () => {
    const internal = [confirmQueueTopic('moca-relay'), confirmLedgerTopic('moca-relay')]
    for (const input of ['confirm-queue', 'confirm-ledger', 'issue-ledger', 'kyc']) {
      expect(internal).not.toContain(issueLedgerTopic('moca-relay', input))
    }
  })
})
