import { describe, expect, it } from 'vitest'
import { describeCrash, watchRange } from '../../src/cli/range-run.js'
import type { PartitionStatus } from '../../src/pipeline/stage-runner.js'

const status = (partition: number, over: Partial<PartitionStatus> = {}): PartitionStatus => ({
  topic: 'kyc.completed',
  partition,
  state: 'ready',
  inFlight: 0,
  uncommitted: 0,
  paused: [],
  nextOffset: 0,
  committedOffset: null,
  ledgerEntries: 0,
  fetchedTo: 0,
  stoppedBy: null,
  ...over,
})

const range = {
  from: new Map([
    [0, 10],
    [1, 0],
  ]),
  to: new Map([
    [0, 20],
    [1, 5],
  ]),
}

describe('a replay or redrive waiting for its range', () => {
  it('completes once every partition was read to its end with nothing in flight', async () => {
    let polls = 0
    const progress: number[] = []
    const ending = await watchRange({
      ...range,
      partitions: () =>
        ++polls < 3
          ? [status(0, { fetchedTo: 15, uncommitted: 3, committedOffset: 14 }), status(1)]
          : [status(0, { fetchedTo: 20 }), status(1, { fetchedTo: 5 })],
      crashed: () => false,
      signal: new AbortController().signal,
      onProgress: (done) => progress.push(done),
      pollMs: 1,
    })
    expect(ending).toBe('completed')
    expect(progress).toEqual([4, 4, 15])
  })

  it('stops waiting when its consumer crashed, instead of hanging', async () => {
    let crashed = false
    let polls = 0
    const ending = await watchRange({
      ...range,
      partitions: () => {
        if (++polls === 2) crashed = true
        return [status(0, { fetchedTo: 12, uncommitted: 2 }), status(1)]
      },
      crashed: () => crashed,
      signal: new AbortController().signal,
      onProgress: () => undefined,
      pollMs: 1,
    })
    expect(ending).toBe('crashed')
    expect(polls).toBe(2)
  })

  it('stops when the operator presses Ctrl-C', async () => {
    const abort = new AbortController()
    const ending = await watchRange({
      ...range,
      partitions: () => {
        abort.abort()
        return []
      },
      crashed: () => false,
      signal: abort.signal,
      onProgress: () => undefined,
      pollMs: 1,
    })
    expect(ending).toBe('aborted')
  })

  it('regression: a resumed run whose earlier attempt committed a partition to its end does not wait for it at 0%', async () => {
    // The failure: `redrive`/`replay --run-id` resumed after the interrupted attempt had committed
    // everything showed "0% 0/9" until killed. Its consumer fetches nothing at or past the end
    // of an idle partition, so fetchedTo, which the wait required to reach `to`, never moved.
    // (The wait gives up after a few polls here, so the old code ends 'aborted' instead of hanging.)
    const abort = new AbortController()
    const progress: number[] = []
    let polls = 0
    const ending = await watchRange({
      ...range,
      // partition 0 was committed to its end (20) before this attempt, partition 1 to 3 of 5
      committedBefore: new Map([
        [0, 20],
        [1, 3],
      ]),
      partitions: () => {
        if (++polls > 5) abort.abort()
        return polls < 3
          ? [status(0), status(1)]
          : [status(0), status(1, { fetchedTo: 5, committedOffset: 5 })]
      },
      crashed: () => false,
      signal: abort.signal,
      onProgress: (done) => progress.push(done),
      pollMs: 1,
    })
    expect(ending).toBe('completed')
    expect(progress).toEqual([13, 13, 15])
  })

  it('tells the operator why it stopped and what to do', () => {
    expect(describeCrash(new Error('Topic authorization failed'))).toBe(
      'The Kafka consumer crashed and could not restart (Topic authorization failed); the run stopped. Fix the cause the log names, then resume.',
    )
  })
})
