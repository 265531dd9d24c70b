import { describe, expect, it } from 'vitest'
import type { PartitionContext } from '../../src/pipeline/partition-worker.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * A range run (replay / redrive) moves its partition to `startAt` once, when the worker is
 * created. kafkajs keeps a partition's worker across a rebalance, but recreates its offset
 * manager: the fetch position goes back to the group's committed offset, and a run that has not
 * committed yet (its own, fresh group; subscribed `fromBeginning`) goes back to the earliest
 * offset. docs/architecture.md: "partitions kept across a rebalance are re-read from their
 * committed offsets". The worker has admitted nothing, so `offset < tracker.nextOffset` (0) skips
 * nothing, and records BEFORE the range are processed — e.g. reissued by `replay --reissue`.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

describe('a range run whose partition is kept across a rebalance before its first commit', () => {
  it('processes no record before the start of its range', async () => {
    const processed: number[] = []
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      committed: () => -1, // the run's own group has committed nothing yet
      deps: {
        startAt: new Map([[`${IN}/0`, 3]]),
        stopAt: new Map([[`${IN}/0`, 6]]),
        createProcessor: (ctx: PartitionContext) => ({
          process: (record, slot) => {
            processed.push(Number(record.offset))
            void ctx.batcher.stage([], slot)
          },
          whenIdle: async () => undefined,
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(h.runner.ready).toBe(true)
    expect(h.seeks).toContainEqual({ topic: IN, partition: 0, offset: '3' })

    // kafkajs applied that seek at its next fetch; before any record of the range arrived, the
    // group rebalanced (a consumer restart, a metadata change) with the same assignment
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()

    // kafkajs now fetches from the committed offset: none, so the earliest (fromBeginning)
    await h.inputBatch(
      0,
      [0, 1, 2, 3, 4, 5].map((offset) => ({ offset, value: Buffer.from('{}') })),
    )
    await h.settle(20)

    expect(processed).toEqual([3, 4, 5])
    await h.runner.stop()
  })
})
