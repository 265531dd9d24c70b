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

  it('tells the operator why it stopped and what to do', () => {
    expect(describeCrash(new Error('Topic authorization failed'))).toBe(
      'The Kafka consumer crashed and could not restart (Topic authorization failed); the run stopped. Fix the cause the log names, then resume.',
    )
  })
})
