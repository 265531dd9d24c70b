import { describe, expect, it } from 'vitest'
import { asyncObjectsPerEvent } from '../../bench/scenarios/heap-retention.js'

const row = (name: string, countPerInFlight: number) => ({
  name,
  countPerInFlight,
  bytesPerInFlight: countPerInFlight * 40,
})

describe('the retention check', () => {
  it('counts what async code made and leaves the ledgers’ data out', () => {
    const perEvent = asyncObjectsPerEvent([
      row('(strings)', 3),
      row('Object', 2),
      row('PackedEntry', 1),
      row('Promise', 1),
      row('closure (anonymous)', 2),
      row('closure settle', 1),
      row('system / Context', 1),
      row('(hidden) system / PromiseReaction', 1),
      row('Generator', 0.5),
    ])
    expect(perEvent).toBe(6.5)
  })
})
