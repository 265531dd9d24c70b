import { describe, expect, it } from 'vitest'
import { rangeCommitted, recordsCommittedBefore } from '../../src/cli/run-commits.js'

const range = {
  topic: 'kyc.completed',
  from: new Map([
    [0, 10],
    [1, 0],
  ]),
  to: new Map([
    [0, 20],
    [1, 5],
  ]),
}

describe('what an earlier attempt of a range run committed', () => {
  it('counts the records of the range below its commits, and none past the end', () => {
    expect(recordsCommittedBefore(range, new Map())).toBe(0)
    expect(
      recordsCommittedBefore(
        range,
        new Map([
          [0, 14],
          [1, 9],
        ]),
      ),
    ).toBe(4 + 5)
    // a commit below the range's start (an earlier run over other offsets) finished none of it
    expect(recordsCommittedBefore(range, new Map([[0, 3]]))).toBe(0)
  })

  it('a redrive counts only its own records: the failed ones among the offsets committed', () => {
    const only = new Set(['kyc.completed/0/10', 'kyc.completed/0/15', 'kyc.completed/0/19'])
    expect(recordsCommittedBefore({ ...range, only }, new Map([[0, 16]]))).toBe(2)
  })

  it('the range is done when every partition that has records is committed to its end', () => {
    expect(rangeCommitted(range, new Map([[0, 20]]))).toBe(false)
    expect(
      rangeCommitted(
        range,
        new Map([
          [0, 20],
          [1, 5],
        ]),
      ),
    ).toBe(true)
    expect(rangeCommitted({ ...range, to: new Map([[0, 20]]) }, new Map([[0, 25]]))).toBe(true)
  })
})
