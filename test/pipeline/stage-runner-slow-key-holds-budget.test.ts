import { describe, expect, it } from 'vitest'
import type { PartitionContext } from '../../src/pipeline/partition-worker.js'
import type { Slot } from '../../src/pipeline/offset-tracker.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * docs/architecture.md: "A slow key holds one slot and its own key, nothing else." DESIGN.md
 * invariant 5: "A slow or failing key blocks only itself."
 *
 * The in-flight budget counts every record admitted and not yet COMMITTED
 * (OffsetTracker.inFlight), and a record is released only when the contiguous watermark passes
 * it. One slow record at the head of the watermark (a key in its 30 s recovery wait, a key
 * retrying 429s with backoff, a call waiting for its timeout) keeps every later record "in
 * flight" even after its outputs committed: once `maxInFlight` records are behind it, the whole
 * partition pauses until the slow key finishes. Since no commit releases anything meanwhile, the
 * slow start never grows the budget past `initialInFlight` either.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

describe('one slow key at the head of the partition', () => {
  it('does not stop the other keys of its partition', async () => {
    const processed: number[] = []
    let releaseSlow: (() => void) | undefined
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      deps: {
        maxInFlight: 8,
        initialInFlight: 8,
        createProcessor: (ctx: PartitionContext) => ({
          process: (record, slot: Slot) => {
            processed.push(Number(record.offset))
            const out = [{ topic: 'credential.issued', key: record.key, value: record.value }]
            if (record.key?.toString() === 'slow') {
              // e.g. a recovered INTENT waiting out moca.uncertaintyWindow, or 429 backoff
              releaseSlow = () => void ctx.batcher.stage(out, slot)
              return
            }
            void ctx.batcher.stage(out, slot)
          },
          whenIdle: async () => undefined,
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(h.runner.ready).toBe(true)

    const records = [
      { offset: 0, key: 'slow', value: Buffer.from('{}') },
      ...Array.from({ length: 30 }, (_, i) => ({
        offset: i + 1,
        key: `fast-${i + 1}`,
        value: Buffer.from('{}'),
      })),
    ]
    // kafkajs delivers what is unresolved again as long as the partition is not paused
    for (let round = 0; round < 10 && !h.paused.has(`${IN}/0`); round++) {
      const next = records.filter((r) => r.offset >= Math.max(-1, ...processed) + 1)
      if (next.length === 0) break
      await h.inputBatch(0, next)
      await h.settle(20)
    }
    // the 30 fast records' outputs all committed long ago …
    const fastCommitted = h.committed.flatMap((t) => t.records).filter((r) => r.key !== 'slow')
    // … but the partition stopped reading after maxInFlight records
    expect(h.runner.partitions[0]?.paused ?? []).not.toContain('in-flight budget full')
    expect(processed).toHaveLength(31)
    expect(fastCommitted).toHaveLength(30)
    releaseSlow?.()
    await h.runner.stop()
  })
})
