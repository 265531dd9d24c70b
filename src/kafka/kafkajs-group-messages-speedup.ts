import { kafkajsOriginal, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * A linear `groupMessagesPerPartition` for kafkajs 2.2.4's producer, installed before kafkajs
 * loads.
 *
 * kafkajs groups the records of every send by partition with `[...current, message]` and an
 * `Object.assign` per record: a group of n records copies n²/2 array slots. A relay transaction
 * sends a few hundred records, most of them (the ledger's) to one partition; the V8 heap profile
 * of `npm run bench` put ≈ 8% of the relay's allocations in that function. This one builds the
 * same object (partition → messages in their order) with one array push per record.
 * test/kafka/kafkajs-group-messages-speedup.test.ts compares its output with the original's.
 *
 * kafkajs's sendMessages module captures the function when it loads, so this must run before
 * kafkajs loads: every entry point imports kafka/kafkajs-patches.ts.
 */

interface Grouping<M> {
  readonly topic: string
  readonly partitionMetadata: readonly unknown[]
  readonly messages: readonly M[]
  readonly partitioner: (args: {
    topic: string
    partitionMetadata: readonly unknown[]
    message: M
  }) => number
}
type GroupMessages = <M>(grouping: Grouping<M>) => Record<number, M[]>

const GROUP_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js'

export const groupMessagesPerPartition: GroupMessages = (grouping) => {
  const { topic, partitionMetadata, messages, partitioner } = grouping
  const groups: Record<number, (typeof messages)[number][]> = {}
  if (partitionMetadata.length === 0) return groups
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const group = groups[partition]
    if (group === undefined) groups[partition] = [message]
    else group.push(message)
  }
  return groups
}

/** kafkajs's own function, for the comparison test. */
export function originalGroupMessagesPerPartition(): GroupMessages {
  return kafkajsOriginal<GroupMessages>(GROUP_MODULE)
}

/** Installs the linear grouping; a no-op when installed already. Throws if kafkajs loaded first. */
export function installGroupMessagesSpeedup(): void {
  swapKafkajsModule<GroupMessages>({
    module: GROUP_MODULE,
    patch: 'its grouping speed-up',
    // a function of its own: the swap marks it with the original
    replace: () => (grouping) => groupMessagesPerPartition(grouping),
  })
}

installGroupMessagesSpeedup()
