import { describe, expect, it } from 'vitest'
import {
  describePastLedgerRetention,
  findRecordsPastLedgerRetention,
} from '../../src/cli/ledger-retention-check.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-27T12:00:00Z')

/** Partition 0: offsets 0–9, the first 4 older than the cutoff; partition 1: all recent. */
function admin(ledger: { partition: number; low: string; high: string }[] | null) {
  const asked: number[] = []
  return {
    asked,
    listTopics: () => Promise.resolve(ledger === null ? ['kyc'] : ['kyc', 'ledger']),
    fetchTopicOffsets: () => Promise.resolve(ledger!.map((l) => ({ ...l, offset: l.high }))),
    fetchTopicOffsetsByTimestamp: (_topic: string, at?: number) => {
      asked.push(at ?? -1)
      return Promise.resolve([
        { partition: 0, offset: '4' },
        { partition: 1, offset: '0' },
      ])
    },
  }
}

const range = {
  topic: 'kyc',
  ledgerTopic: 'ledger',
  from: new Map([
    [0, 0],
    [1, 0],
  ]),
  to: new Map([
    [0, 10],
    [1, 6],
  ]),
  retentionMs: 24 * HOUR,
  now: NOW,
}

describe('records of a replay range whose ledger entries may be gone', () => {
  it('are those older than ledger.retention, whatever the ledger log holds still', async () => {
    const fake = admin([
      { partition: 0, low: '0', high: '30' },
      { partition: 1, low: '0', high: '12' },
    ])
    const found = await findRecordsPastLedgerRetention(fake, range)
    expect(fake.asked).toEqual([NOW - 24 * HOUR])
    expect(found).toEqual([
      { topic: 'kyc', partition: 0, from: 0, to: 4, records: 4, reason: 'older', ledgerStart: 0 },
    ])
    expect(describePastLedgerRetention(found, range.retentionMs)).toEqual([
      'partition 0: offsets 0 → 4 (4 records): older than ledger.retention (1d)',
    ])
  })

  it('are every record of a partition whose ledger retention emptied', async () => {
    const found = await findRecordsPastLedgerRetention(
      admin([
        { partition: 0, low: '7', high: '30' },
        { partition: 1, low: '12', high: '12' },
      ]),
      range,
    )
    expect(found).toEqual([
      { topic: 'kyc', partition: 0, from: 0, to: 4, records: 4, reason: 'older', ledgerStart: 7 },
      {
        topic: 'kyc',
        partition: 1,
        from: 0,
        to: 6,
        records: 6,
        reason: 'emptied',
        ledgerStart: 12,
      },
    ])
    expect(describePastLedgerRetention(found, 36 * HOUR)).toEqual([
      "partition 0: offsets 0 → 4 (4 records): older than ledger.retention (36h); the ledger partition's log starts at offset 7",
      'partition 1: offsets 0 → 6 (6 records): the ledger partition is empty, its log starts at offset 12 (retention deleted every entry)',
    ])
  })

  it('of a redrive are its failed records only, not the offsets between them', async () => {
    const found = await findRecordsPastLedgerRetention(
      admin([
        { partition: 0, low: '0', high: '30' },
        { partition: 1, low: '12', high: '12' },
      ]),
      {
        ...range,
        // partition 0: offsets 2 and 3 are older than the cutoff, 8 is not
        records: new Map([
          [0, [8, 2, 3]],
          [1, [5]],
        ]),
      },
    )
    expect(found).toEqual([
      { topic: 'kyc', partition: 0, from: 2, to: 4, records: 2, reason: 'older', ledgerStart: 0 },
      {
        topic: 'kyc',
        partition: 1,
        from: 5,
        to: 6,
        records: 1,
        reason: 'emptied',
        ledgerStart: 12,
      },
    ])
    expect(describePastLedgerRetention(found, range.retentionMs, { withTopic: true })[1]).toBe(
      'kyc partition 1: offsets 5 → 6 (1 record): the ledger partition is empty, its log starts at offset 12 (retention deleted every entry)',
    )
  })

  it('are none when the ledger topic does not exist yet: it never held anything', async () => {
    expect(await findRecordsPastLedgerRetention(admin(null), range)).toEqual([])
  })
})
