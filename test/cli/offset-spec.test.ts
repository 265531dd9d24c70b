import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import {
  parseOffsetSpec,
  rangePastLiveRelay,
  resolveOffsets,
  resolveRange,
} from '../../src/cli/offset-spec.js'
import { fakeTopicAdmin } from '../support/fake-topic-admin.js'

const now = Date.parse('2026-11-25T12:00:00Z')

describe('replay --from / --to, as an operator writes them', () => {
  it.each([
    ['1500', { kind: 'offset', offset: 1500 }],
    ['earliest', { kind: 'earliest' }],
    ['beginning', { kind: 'earliest' }],
    ['latest', { kind: 'latest' }],
    ['end', { kind: 'latest' }],
    ['live', { kind: 'live' }],
    ['2h', { kind: 'time', ms: now - 2 * 3_600_000 }],
    ['30m', { kind: 'time', ms: now - 30 * 60_000 }],
    ['2026-11-24T09:00:00Z', { kind: 'time', ms: Date.parse('2026-11-24T09:00:00Z') }],
    ['2026-11-24T10:00:00+01:00', { kind: 'time', ms: Date.parse('2026-11-24T09:00:00Z') }],
    ['2026-11-24T04:30-04:30', { kind: 'time', ms: Date.parse('2026-11-24T09:00:00Z') }],
    ['2026-11-24T09:00:00.250Z', { kind: 'time', ms: Date.parse('2026-11-24T09:00:00Z') + 250 }],
    ['2028-02-29T00:00:00Z', { kind: 'time', ms: Date.parse('2028-02-29T00:00:00Z') }],
    [
      '0:1500,1:1620',
      {
        kind: 'partitions',
        offsets: new Map([
          [0, 1500],
          [1, 1620],
        ]),
      },
    ],
  ])('%s', (text, spec) => {
    expect(parseOffsetSpec(text, '--from', now)).toEqual(spec)
  })

  it('refuses offsets that name a partition twice', () => {
    expect(() => parseOffsetSpec('0:10,0:20', '--to', now)).toThrow(
      '--to "0:10,0:20" names partition 0 twice',
    )
  })

  it.each([
    ['2026-02-30T00:00:00Z', 'is not a date: 2026-02 has no day 30'],
    ['2025-02-29T00:00:00Z', 'is not a date: 2025-02 has no day 29'],
    ['2026-04-31T12:00:00+02:00', 'is not a date: 2026-04 has no day 31'],
    ['2026-13-01T00:00:00Z', 'has no month 13'],
    ['2026-11-24T24:00:00Z', 'is not a time of day: 24:00:00'],
    ['2026-11-24T09:60Z', 'is not a time of day: 09:60:00'],
    ['2026-11-24T09:00:00+25:00', 'has no zone +25:00'],
  ])('refuses the impossible time %s instead of rolling it over', (text, why) => {
    expect(() => parseOffsetSpec(text, '--from', now)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: `--from "${text}" ${why}: write YYYY-MM-DDThh:mm[:ss[.sss]] and its zone, Z (UTC) or an offset (+01:00, -05:00): e.g. 2026-11-24T09:00:00Z or 2026-11-24T10:00:00+01:00`,
      }),
    )
  })

  it.each(['2026-11-24T09:00:00', '2026-11-24T09:00', '2026-11-24T09:00:00.5'])(
    'refuses the time %s without a zone, which would be read as the local time of the machine',
    (text) => {
      expect(() => parseOffsetSpec(text, '--to', now)).toThrow(
        `--to "${text}" has no time zone (it would be read as local time): write YYYY-MM-DDThh:mm[:ss[.sss]] and its zone, Z (UTC) or an offset (+01:00, -05:00)`,
      )
    },
  )

  it.each(['2026-11-24', '2026-11-24 09:00:00Z', '2026-11-24T9:00Z', '2026-11-24T09:00:00+0100'])(
    'refuses %j, saying which form of time to write',
    (text) => {
      expect(() => parseOffsetSpec(text, '--from', now)).toThrow(
        `--from "${text}" is not a time: write YYYY-MM-DDThh:mm[:ss[.sss]] and its zone`,
      )
    },
  )

  it.each(['yesterday', 'May 5', '-3', '2 weeks', '0:10,', '0:-1'])(
    'rejects %j, naming the option and what it takes',
    (text) => {
      expect(() => parseOffsetSpec(text, '--to', now)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          message: expect.stringMatching(/^--to .* is not an offset, "earliest", "latest", "live"/),
        }),
      )
    },
  )
})

/**
 * Two partitions: 0 holds offsets 10 to 49 (the first ten were deleted), 1 holds 0 to 19. The live
 * group committed 30 on partition 0 and nothing on partition 1.
 */
function fakeAdmin(
  options: { committed?: { partition: number; offset: string }[]; byTime?: string[] } = {},
): Admin {
  return fakeTopicAdmin({
    bounds: [
      { partition: 0, low: 10, high: 50 },
      { partition: 1, low: 0, high: 20 },
    ],
    ...options,
  })
}

const resolve = (admin: Admin, text: string) =>
  resolveOffsets(admin, 'kyc.completed', parseOffsetSpec(text, '--from', now), 'relay')

describe('a range bound resolved per partition', () => {
  it('earliest and latest are what each partition holds', async () => {
    expect(await resolve(fakeAdmin(), 'earliest')).toEqual(
      new Map([
        [0, 10],
        [1, 0],
      ]),
    )
    expect(await resolve(fakeAdmin(), 'latest')).toEqual(
      new Map([
        [0, 50],
        [1, 20],
      ]),
    )
  })

  it('an offset is clamped to what the partition holds: not below its start, not past its end', async () => {
    expect(await resolve(fakeAdmin(), '5')).toEqual(
      new Map([
        [0, 10],
        [1, 5],
      ]),
    )
    expect(await resolve(fakeAdmin(), '30')).toEqual(
      new Map([
        [0, 30],
        [1, 20],
      ]),
    )
  })

  it('offsets per partition are clamped like one offset, and a partition not named has nothing', async () => {
    expect(await resolve(fakeAdmin(), '0:5,1:12')).toEqual(
      new Map([
        [0, 10],
        [1, 12],
      ]),
    )
    expect(await resolve(fakeAdmin(), '1:3')).toEqual(
      new Map([
        [0, 50],
        [1, 3],
      ]),
    )
  })

  it('a time with no record at or after it in a partition is that partition’s end, not its start', async () => {
    expect(await resolve(fakeAdmin({ byTime: ['42', '-1'] }), '2h')).toEqual(
      new Map([
        [0, 42],
        [1, 20],
      ]),
    )
  })

  it('live is what the live relay committed, and the start where it committed nothing', async () => {
    expect(
      await resolve(fakeAdmin({ committed: [{ partition: 0, offset: '30' }] }), 'live'),
    ).toEqual(
      new Map([
        [0, 30],
        [1, 0],
      ]),
    )
    expect(
      await resolve(
        fakeAdmin({
          committed: [
            { partition: 0, offset: '-1' },
            { partition: 1, offset: '-1' },
          ],
        }),
        'live',
      ),
    ).toEqual(
      new Map([
        [0, 10],
        [1, 0],
      ]),
    )
  })
})

describe('a range whose bound is offsets per partition', () => {
  const range = (from: string, to: string) =>
    resolveRange(
      fakeAdmin({ committed: [{ partition: 0, offset: '30' }] }),
      'kyc.completed',
      { from: parseOffsetSpec(from, '--from', now), to: parseOffsetSpec(to, '--to', now) },
      'relay',
    )

  it('--to 1:3 covers nothing of partition 0 ("other partitions: none"), not all of it', async () => {
    expect(await range('earliest', '1:3')).toEqual({
      from: new Map([
        [0, 10],
        [1, 0],
      ]),
      to: new Map([
        [0, 10],
        [1, 3],
      ]),
    })
  })

  it('--from 1:5 covers nothing of partition 0 either, whatever --to says', async () => {
    for (const to of ['latest', 'live', '45']) {
      const { from, to: end } = await range('1:5', to)
      expect(end.get(0)).toBe(from.get(0))
      expect(from.get(1)).toBe(5)
    }
  })

  it('both bounds per partition cover the partitions both name: one record is 0:12 to 0:13', async () => {
    const { from, to } = await range('0:12,1:4', '0:13')
    expect([...from].map(([p, f]) => [p, to.get(p)! - f])).toEqual([
      [0, 1],
      [1, 0],
    ])
  })

  it('bounds without offsets per partition resolve as before', async () => {
    expect(await range('earliest', 'live')).toEqual({
      from: new Map([
        [0, 10],
        [1, 0],
      ]),
      to: new Map([
        [0, 30],
        [1, 0],
      ]),
    })
  })
})

describe('a replay range beside a running live relay', () => {
  const admin = (liveMembers: number) =>
    fakeTopicAdmin({
      bounds: [
        { partition: 0, low: 0, high: 40 },
        { partition: 1, low: 0, high: 20 },
      ],
      committed: [
        { partition: 0, offset: '30' },
        { partition: 1, offset: '-1' },
      ],
      liveMembers,
    })
  const past = async (to: string, liveMembers = 1, from = 'earliest') => {
    const a = admin(liveMembers)
    const range = await resolveRange(
      a,
      'kyc.completed',
      { from: parseOffsetSpec(from, '--from', now), to: parseOffsetSpec(to, '--to', now) },
      'moca-relay',
    )
    return rangePastLiveRelay(a, 'kyc.completed', range, 'moca-relay')
  }

  it('--to latest reaches what the live relay has not committed, on every partition behind', async () => {
    expect(await past('latest')).toEqual({
      members: 1,
      partitions: [
        { partition: 0, to: 40, committed: 30 },
        { partition: 1, to: 20, committed: 0 },
      ],
    })
  })

  it('--to live (the default) and ranges below it stay clear', async () => {
    expect((await past('live')).partitions).toEqual([])
    expect((await past('0:25,1:0')).partitions).toEqual([])
  })

  it('a range past live on one partition names that partition alone', async () => {
    expect((await past('0:35', 2, '0:0')).partitions).toEqual([
      { partition: 0, to: 35, committed: 30 },
    ])
  })

  it('with no live relay running, any range is clear', async () => {
    expect(await past('latest', 0)).toEqual({ members: 0, partitions: [] })
  })
})
