import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import type { PartitionContext } from '../../src/pipeline/partition-worker.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Commit 0915303: "a partition that keeps failing before it commits is rebuilt after a growing
 * delay (1 s doubling to 30 s) … a commit resets it", to stop a poison record (an output event
 * the registry's schema refuses) from rebuilding the partition, redoing its MocaChain calls and
 * failing again in a hot loop.
 *
 * But the dying worker's own `stop(0)` flushes its batcher: whatever the partition's OTHER keys
 * staged commits, the runner's onCommitted runs `failuresSinceCommit.delete(k)` AFTER onFatal
 * counted the failure, and every failure is a "first" failure again, rebuilt at once. A poison
 * record behind any healthy record loops at full speed.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

describe('a poison record behind a healthy one', () => {
  it('is rebuilt after a growing delay, not in a loop', async () => {
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      deps: {
        createProcessor: (ctx: PartitionContext) => ({
          process: (record, slot) => {
            if (record.key?.toString() === 'poison') {
              ctx.fail(
                new RelayError('OUTPUT_ENCODING_FAILED', 'does not fit schema 7', {
                  classification: 'systemic',
                }),
              )
              return
            }
            void ctx.batcher.stage(
              [{ topic: 'credential.issued', key: record.key, value: record.value }],
              slot,
            )
          },
          whenIdle: async () => undefined,
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    let rebuilds = 0
    const deliver = async (): Promise<void> => {
      const before = h.seeks.length
      await h.inputBatch(0, [
        { offset: 0, key: 'good', value: Buffer.from('{}') },
        { offset: 1, key: 'poison', value: Buffer.from('{}') },
      ])
      await h.settle(30)
      if (h.seeks.length > before) rebuilds++
    }
    // first failure: rebuilt at once (by design)
    await deliver()
    expect(rebuilds).toBe(1)
    expect(h.runner.partitions[0]?.state).toBe('ready')
    // second failure, nothing new committed by any healthy worker: the rebuild must wait 1 s
    await deliver()
    await deliver()
    await deliver()
    expect(rebuilds, 'failures rebuilt at once').toBe(1)
    await h.runner.stop()
  })
})
