import { describe, expect, it } from 'vitest'
import { OffsetTracker } from '../../src/pipeline/offset-tracker.js'

describe('OffsetTracker', () => {
  it('commits only the contiguous prefix of completed records', () => {
    const tracker = new OffsetTracker()
    const [a, b, c] = [10, 11, 12].map((o) => tracker.admit(o))
    tracker.stage(b!)
    tracker.stage(c!)
    // 10 is still running: nothing may be committed although 11 and 12 are done.
    expect(tracker.beginFlush()).toEqual({ commitOffset: null, released: 0 })
    tracker.stage(a!)
    const plan = tracker.beginFlush()
    expect(plan).toEqual({ commitOffset: 13, released: 3 })
    tracker.endFlush(plan)
    expect(tracker.lastCommittedOffset).toBe(13)
    expect(tracker.inFlight).toBe(0)
  })

  it('stops the watermark at the first record still running and points at it', () => {
    const tracker = new OffsetTracker()
    const slots = [0, 1, 5, 6].map((o) => tracker.admit(o))
    tracker.stage(slots[0]!)
    tracker.stage(slots[1]!)
    tracker.stage(slots[3]!)
    const plan = tracker.beginFlush()
    // Gaps (compaction, transaction markers) are skipped: the next record to consume is 5.
    expect(plan.commitOffset).toBe(5)
    expect(plan.released).toBe(2)
  })

  it('counts records as in flight until the transaction that releases them commits', () => {
    const tracker = new OffsetTracker()
    const slot = tracker.admit(0)
    tracker.stage(slot)
    const plan = tracker.beginFlush()
    expect(tracker.inFlight).toBe(1)
    tracker.endFlush(plan)
    expect(tracker.inFlight).toBe(0)
  })

  it('refuses offsets that do not increase', () => {
    const tracker = new OffsetTracker()
    tracker.admit(3)
    expect(() => tracker.admit(3)).toThrow(RangeError)
  })

  it('keeps working after many records (released slots are compacted)', () => {
    const tracker = new OffsetTracker()
    for (let round = 0; round < 5; round++) {
      const slots = Array.from({ length: 1000 }, (_, i) => tracker.admit(round * 1000 + i))
      for (const slot of slots) tracker.stage(slot)
      const plan = tracker.beginFlush()
      expect(plan.commitOffset).toBe((round + 1) * 1000)
      tracker.endFlush(plan)
    }
    expect(tracker.inFlight).toBe(0)
  })
})
