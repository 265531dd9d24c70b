import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  groupMessagesPerPartition,
  originalGroupMessagesPerPartition,
} from '../../src/kafka/kafkajs-group-messages-speedup.js'
import { createSeededRandom } from '../../src/sandbox/seeded-random.js'

const require = createRequire(import.meta.url)

describe('the kafkajs grouping speed-up', () => {
  it('is what kafkajs groups with in this process', () => {
    const current: unknown = require('kafkajs/src/producer/groupMessagesPerPartition.js')
    expect(current).not.toBe(originalGroupMessagesPerPartition())
  })

  it('groups records by partition in their order, exactly as kafkajs does', () => {
    const random = createSeededRandom(7)
    const messages = Array.from({ length: 500 }, (_, i) => ({
      key: `k${i}`,
      // Most to one partition, as a relay transaction's ledger records go.
      partition: random() < 0.6 ? 4 : Math.floor(random() * 12),
    }))
    const grouping = {
      topic: 't',
      partitionMetadata: Array.from({ length: 12 }, (_, partitionId) => ({ partitionId })),
      messages,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    }
    const ours = groupMessagesPerPartition(grouping)
    expect(ours).toEqual(originalGroupMessagesPerPartition()(grouping))
    expect(Object.keys(ours)).toEqual(Object.keys(originalGroupMessagesPerPartition()(grouping)))
    expect(groupMessagesPerPartition({ ...grouping, partitionMetadata: [] })).toEqual({})
  })
})
