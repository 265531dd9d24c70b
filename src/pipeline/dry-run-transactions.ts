import type { PartitionTransactions } from '../kafka/partition-transactions.js'

/**
 * A dry run's stand-in for the transactional producer of one input partition. It opens nothing
 * on the cluster: no InitProducerId (that would register the transactional id with the
 * coordinator for a week, and fence whatever run holds the same id) and no offset commit. Each
 * "commit" only lets the partition's tracker move its watermark, which the stage runner keeps in
 * memory. The dry-run stage stages no records; one that did is a bug, and is refused.
 */
export function openDryRunTransactions(transactionalId: string): PartitionTransactions {
  return {
    transactionalId,
    async commit(records) {
      if (records.length > 0)
        throw new Error(`a dry run staged ${records.length} records to write (${transactionalId})`)
    },
    async close() {},
  }
}
