import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { parseOffsetSpec, resolveOffsets } from '../../src/cli/offset-spec.js'
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
