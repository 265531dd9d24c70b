import { describe, expect, it } from 'vitest'
import { issueLedgerTopic } from '../../src/ledger/ledger-topics.js'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('regression: a ledger partition whose records retention deleted', () => {
  it('is restored as empty and its input processed, instead of waiting forever to read up to its end', async () => {
    // Ledgers are 'compact,delete': a partition quiet for longer than ledger.retention loses
    // every record, and its log then starts at its end offset. A relay starting on it sought to
    // offset 0 and waited to read up to that end offset, which no record would ever bring: the
    // partition stayed restoring and its events were never processed. DeleteRecords up to the
    // end does to the log what retention does.
    const fixture = await startRelayFixture({ partitions: 1 })
    const first = await fixture.startRelay()
    const event = (user: string) => ({
      key: user,
      value: JSON.stringify({ user: { email: `${user}@example.com` }, level: 1 }),
    })
    await fixture.produce(fixture.topics.kyc, [event('u1')])
    await fixture.readOutputs((e) => e.onchain.length >= 1)
    await first.stop()

    const admin = await fixture.env.admin()
    const ledger = issueLedgerTopic(fixture.groupId, fixture.topics.kyc)
    const [before] = await admin.fetchTopicOffsets(ledger)
    expect(Number(before?.high)).toBeGreaterThan(0)
    await admin.deleteTopicRecords({
      topic: ledger,
      partitions: [{ partition: 0, offset: before?.high ?? '0' }],
    })
    const [after] = await admin.fetchTopicOffsets(ledger)
    expect(after?.low).toBe(before?.high)

    await fixture.startRelay()
    await fixture.produce(fixture.topics.kyc, [event('u2')])
    const out = await fixture.readOutputs((e) => e.onchain.length >= 2, 30_000)
    expect(out.onchain.map((e) => e.source.offset)).toEqual(['0', '1'])
  }, 60_000)
})
