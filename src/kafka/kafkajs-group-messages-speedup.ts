import { createRequire, Module } from 'node:module'

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

const require = createRequire(import.meta.url)
const GROUP_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js'
const SEND_MODULE = 'kafkajs/src/producer/sendMessages.js'
const INSTALLED = Symbol.for('moca-relay.kafkajs-group-messages-speedup')

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
  const current = require(GROUP_MODULE) as GroupMessages & { [INSTALLED]?: GroupMessages }
  return current[INSTALLED] ?? current
}

/** Installs the linear grouping; a no-op when installed already. Throws if kafkajs loaded first. */
export function installGroupMessagesSpeedup(): void {
  const groupPath = require.resolve(GROUP_MODULE)
  const cached = require.cache[groupPath]
  if (cached && (cached.exports as Record<symbol, unknown>)[INSTALLED]) return
  if (require.cache[require.resolve(SEND_MODULE)]) {
    throw new Error(
      'kafkajs was loaded before its grouping speed-up: import "src/kafka/kafkajs-patches.js" first in the entry point',
    )
  }
  const original = require(groupPath) as GroupMessages
  const replacement = (grouping: Parameters<GroupMessages>[0]) =>
    groupMessagesPerPartition(grouping)
  Object.defineProperty(replacement, INSTALLED, { value: original })
  const module = new Module(groupPath)
  module.filename = groupPath
  module.loaded = true
  module.exports = replacement
  require.cache[groupPath] = module
}

installGroupMessagesSpeedup()
