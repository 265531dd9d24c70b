/**
 * Names of the relay's internal topics. The ledger of an input topic is co-partitioned with it:
 * ledger partition p holds the state of input partition p, so restoring one partition reads one
 * ledger partition. Names include the stage so no input topic name can collide with them.
 */
export function issueLedgerTopic(prefix: string, inputTopic: string): string {
  return `${prefix}.issue-ledger.${inputTopic}`
}

export function confirmQueueTopic(prefix: string): string {
  return `${prefix}.confirm-queue`
}

export function confirmLedgerTopic(prefix: string): string {
  return `${prefix}.confirm-ledger`
}

/** Ledger keys for records that have no idempotency key (undecodable input): one per offset. */
export function offsetLedgerKey(offset: number | string): string {
  return `@offset:${offset}`
}
