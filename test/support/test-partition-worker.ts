import type { PartitionTransactions } from '../../src/kafka/partition-transactions.js'
import { PartitionWorker, type PartitionWorkerDeps } from '../../src/pipeline/partition-worker.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'

/**
 * Partition 0 of `topic`, run by the real PartitionWorker as the stage harnesses run it: a 5 ms
 * linger, 30 days of ledger retention, 100 records in flight from the start, no ledger to
 * restore, each transaction handed to `commit`. A partition failure is thrown, so a test fails on
 * one it did not expect, unless `onFatal` takes it.
 */
export function testPartitionWorker(
  deps: Pick<
    PartitionWorkerDeps,
    'stage' | 'topic' | 'ledgerTopic' | 'createProcessor' | 'logger'
  > & {
    commit?: PartitionTransactions['commit']
    onFatal?: (err: unknown) => void
  },
): PartitionWorker {
  const { commit = async () => undefined, onFatal, ...named } = deps
  return new PartitionWorker({
    ...named,
    partition: 0,
    transactions: { transactionalId: 'test', commit, close: async () => undefined },
    lingerMs: 5,
    ledgerRetentionMs: 30 * 24 * 3600_000,
    initialInFlight: 100,
    maxInFlight: 100,
    restoreTarget: 0,
    metrics: noopMetrics,
    onCommitted: () => undefined,
    onFatal: (_, err) => {
      if (!onFatal) throw err
      onFatal(err)
    },
  })
}
