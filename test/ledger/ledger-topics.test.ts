import { describe, expect, it } from 'vitest'
import {
  confirmLedgerTopic,
  confirmQueueTopic,
  issueLedgerTopic,
} from '../../src/ledger/ledger-topics.js'

describe('ledger topic names', () => {
  it('are the stored names an upgrade must keep finding', () => {
    expect(issueLedgerTopic('moca-relay', 'kyc.completed')).toBe(
      'moca-relay.issue-ledger.kyc.completed',
    )
    expect(confirmQueueTopic('moca-relay')).toBe('moca-relay.confirm-queue')
    expect(confirmLedgerTopic('moca-relay')).toBe('moca-relay.confirm-ledger')
  })

  it('never collide with the internal topics, whatever an input topic is called', () => {
    const internal = [confirmQueueTopic('moca-relay'), confirmLedgerTopic('moca-relay')]
    for (const input of ['confirm-queue', 'confirm-ledger', 'issue-ledger', 'kyc']) {
      expect(internal).not.toContain(issueLedgerTopic('moca-relay', input))
    }
  })
})
