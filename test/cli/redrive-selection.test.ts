import { describe, expect, it } from 'vitest'
import type { CredentialFailed } from '../../src/domain/output-events.js'
import {
  checkReason,
  countRecords,
  dropDeletedRecords,
  parseRedriveSince,
  planRedrive,
  redriveRanges,
  describeUnrouted,
  selectFailures,
} from '../../src/cli/redrive-selection.js'

/** A failure of the record at `topic`/`partition`/`offset`, with the fields selection reads. */
function failure(
  topic: string,
  partition: number,
  offset: number,
  code = 'MOCA_BAD_REQUEST',
  stage = 'issue',
) {
  return {
    type: 'credential.failed',
    stage,
    source: { topic, partition, offset: String(offset) },
    failure: { code },
  } as unknown as CredentialFailed
}

describe('redriveRanges', () => {
  it('covers every failure of a partition, from the lowest offset to one past the highest, whatever the order', () => {
    // Three failures on partition 0, not in offset order: a range starting at the last one read
    // (25) or the first (40) would skip the others, and nothing would say so.
    const records = [
      failure('kyc', 0, 40),
      failure('kyc', 1, 7),
      failure('kyc', 0, 12),
      failure('kyc', 0, 25),
    ]
    const { from, to, only } = redriveRanges('kyc', records)
    expect(from).toEqual(
      new Map([
        [0, 12],
        [1, 7],
      ]),
    )
    expect(to).toEqual(
      new Map([
        [0, 41],
        [1, 8],
      ]),
    )
    expect(only).toEqual(new Set(['kyc/0/40', 'kyc/1/7', 'kyc/0/12', 'kyc/0/25']))
  })

  it('compares offsets as numbers, not as the strings events carry', () => {
    const { from, to } = redriveRanges('kyc', [failure('kyc', 0, 9), failure('kyc', 0, 100)])
    expect(from.get(0)).toBe(9)
    expect(to.get(0)).toBe(101)
  })
})

describe('selectFailures', () => {
  const failures = [
    failure('kyc', 0, 1, 'MOCA_CONSENT_REJECTED'),
    failure('kyc', 0, 2, 'MOCA_BAD_REQUEST'),
    failure('retired.topic', 0, 3, 'MOCA_CONSENT_REJECTED'),
  ]

  it('sets apart, to be reported, failures of a topic no route reads any more', () => {
    const { routed, unrouted } = selectFailures(failures, {
      reasons: new Set(),
      routeTopics: new Set(['kyc']),
    })
    expect(routed.map((f) => f.source.offset)).toEqual(['1', '2'])
    expect(unrouted.map((f) => f.source.offset)).toEqual(['3'])
    expect(describeUnrouted(unrouted)).toEqual([
      '  retry 1 record of retired.topic: no route of this config reads the topic any more; add its route back to routes[], or redrive with a config that has it',
    ])
  })

  it('keeps only the reasons asked for, and every reason when none is', () => {
    const routeTopics = new Set(['kyc', 'retired.topic'])
    const consent = selectFailures(failures, {
      reasons: new Set(['MOCA_CONSENT_REJECTED']),
      routeTopics,
    })
    expect(consent.routed.map((f) => f.source.offset)).toEqual(['1', '3'])
    expect(consent.unrouted).toEqual([])
    expect(selectFailures(failures, { reasons: new Set(), routeTopics }).routed).toHaveLength(3)
    // A reason not asked for is not reported as unrouted either: it was not selected.
    const bad = selectFailures(failures, {
      reasons: new Set(['MOCA_BAD_REQUEST']),
      routeTopics: new Set(),
    })
    expect(bad.unrouted.map((f) => f.source.offset)).toEqual(['2'])
  })
})

describe('checkReason', () => {
  it('takes a code of the error catalogue as it is', () => {
    expect(checkReason('MOCA_CONSENT_REJECTED')).toBeNull()
    expect(checkReason('CONFIRM_TIMEOUT')).toBeNull()
  })

  it.each([
    ['moca_consent_rejected', 'MOCA_CONSENT_REJECTED'],
    ['Moca_Retries_Exhausted', 'MOCA_RETRIES_EXHAUSTED'],
    ['MOCA_CONSENT_REJECTD', 'MOCA_CONSENT_REJECTED'],
    ['INPUT_UNDECODEABLE', 'INPUT_UNDECODABLE'],
  ])('refuses %s, which would select nothing, naming the closest code (%s)', (reason, closest) => {
    expect(checkReason(reason)).toBe(
      `--reason ${reason} is not an error code; did you mean ${closest}?`,
    )
  })
})

describe('planRedrive', () => {
  it('counts and runs a record that failed twice (live, then in an earlier redrive) once', () => {
    const twice = [
      failure('kyc', 0, 7, 'MOCA_RETRIES_EXHAUSTED'),
      failure('kyc', 0, 7, 'MOCA_RETRIES_EXHAUSTED'),
    ]
    expect(countRecords(twice)).toBe(1)
    expect(planRedrive(twice)).toEqual([
      {
        kind: 'retry',
        topic: 'kyc',
        records: 1,
        from: new Map([[0, 7]]),
        to: new Map([[0, 8]]),
        only: new Set(['kyc/0/7']),
      },
    ])
  })

  it('retries issue failures and re-polls confirm failures, per input topic, retries first', () => {
    const plan = planRedrive([
      failure('kyc', 0, 3, 'CONFIRM_TIMEOUT', 'confirm'),
      failure('kyc', 0, 1),
      failure('member', 1, 5, 'INPUT_UNDECODABLE', 'decode'),
      failure('kyc', 0, 2),
    ])
    expect(plan.map((b) => [b.kind, b.topic, b.records, [...b.only]])).toEqual([
      ['retry', 'kyc', 2, ['kyc/0/1', 'kyc/0/2']],
      ['retry', 'member', 1, ['member/1/5']],
      ['re-poll', 'kyc', 1, ['kyc/0/3']],
    ])
  })
})

describe('dropDeletedRecords', () => {
  const [batch] = planRedrive([
    failure('kyc', 0, 3),
    failure('kyc', 0, 12),
    failure('kyc', 0, 15),
    failure('kyc', 1, 4),
  ])
  const bounds = (low0: number, low1: number) => [
    { partition: 0, low: String(low0), high: '20' },
    { partition: 1, low: String(low1), high: '9' },
  ]

  it('keeps a batch whose records the topic still holds as it is', () => {
    expect(dropDeletedRecords(batch!, bounds(0, 0))).toEqual({ batch, gone: [] })
  })

  it('leaves out records retention deleted, counted per partition, and narrows the range', () => {
    const { batch: left, gone } = dropDeletedRecords(batch!, bounds(10, 5))
    expect(gone).toEqual([
      { partition: 0, records: 1, low: 10 },
      { partition: 1, records: 1, low: 5 },
    ])
    expect(left).toEqual({
      kind: 'retry',
      topic: 'kyc',
      records: 2,
      from: new Map([[0, 12]]),
      to: new Map([[0, 16]]),
      only: new Set(['kyc/0/12', 'kyc/0/15']),
    })
  })

  it('has no batch left when every record is gone, or the topic was recreated empty', () => {
    expect(dropDeletedRecords(batch!, bounds(16, 5)).batch).toBeNull()
    const empty = [
      { partition: 0, low: '0', high: '0' },
      { partition: 1, low: '0', high: '0' },
    ]
    expect(dropDeletedRecords(batch!, empty)).toEqual({
      batch: null,
      gone: [
        { partition: 0, records: 3, low: 0 },
        { partition: 1, records: 1, low: 0 },
      ],
    })
  })
})

describe('parseRedriveSince', () => {
  it('takes an ISO-8601 time or a duration ago, and nothing without --since', () => {
    expect(parseRedriveSince('2026-11-25T12:00:00Z')).toEqual({
      ms: Date.parse('2026-11-25T12:00:00Z'),
    })
    expect(parseRedriveSince('24h', 100_000_000)).toEqual({ ms: 100_000_000 - 24 * 3_600_000 })
    expect(parseRedriveSince(undefined)).toEqual({ ms: null })
  })

  it.each(['earliest', 'latest', 'live', '1500', '0:1500', 'yesterday'])(
    'refuses --since %s naming what --since takes, not the offset forms of a replay',
    (spec) => {
      expect(parseRedriveSince(spec)).toEqual({
        problem: `--since ${spec} is not a time: give an ISO-8601 time with its zone (2026-11-24T09:00:00Z) or a duration ago (24h, 30m)`,
      })
    },
  )

  it('says what is wrong with a time written with a mistake', () => {
    expect(parseRedriveSince('2026-11-24T09:00')).toEqual({
      problem: expect.stringMatching(/^--since "2026-11-24T09:00" has no time zone/),
    })
  })

  it('regression: refuses a time in the future, which selects nothing, as replay refuses --from', () => {
    // The failure: `--since 2062-11-27T08:00:00Z` (a typo for 2026) read credential.failed,
    // selected none of its failures and exited 0, as if there were nothing to redrive.
    const now = Date.parse('2026-11-27T08:00:00Z')
    expect(parseRedriveSince('2062-11-27T08:00:00Z', now)).toEqual({
      problem:
        '--since 2062-11-27T08:00:00Z is in the future: no failure was written after it yet. Give a time in the past, or a duration ago (24h)',
    })
    expect(parseRedriveSince('2026-11-27T08:00:00Z', now)).toEqual({ ms: now })
  })
})
