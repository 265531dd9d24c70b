import { describe, expect, it } from 'vitest'
import { openPartitionTransactions } from '../../src/kafka/partition-transactions.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { createKafkaTestEnv, uniqueName } from '../support/kafka-test-env.js'

describe('regression: a transactional record for a partition the topic does not have', () => {
  it('fails the transaction with KAFKA_PARTITION_MISSING, committing neither the records nor the offset', async () => {
    // kafkajs's producer skips a partition missing from its metadata when it looks up leaders:
    // the record went nowhere and the transaction committed. The relay's ledger records for an
    // input partition added while it ran (its ledger topic did not have that partition yet)
    // vanished so, next to the output event and the offset they were committed with.
    const env = createKafkaTestEnv()
    const input = await env.createTopic('input')
    const ledger = await env.createTopic('ledger')
    const output = await env.createTopic('output')
    const groupId = uniqueName('relay')
    const transactions = await openPartitionTransactions({
      kafka: env.kafka,
      transactionalId: uniqueName('tx'),
      consumerGroupId: groupId,
      transactionTimeoutMs: 10_000,
      logger: createSilentLogger(),
    })
    try {
      const commit = transactions.commit(
        [
          { topic: output, key: 'k', value: Buffer.from('event') },
          { topic: ledger, partition: 1, key: 'k', value: Buffer.from('INTENT') },
        ],
        { topic: input, partition: 0, offset: 1 },
      )
      await expect(commit).rejects.toMatchObject({
        code: 'KAFKA_PARTITION_MISSING',
        message: expect.stringContaining(`partition 1 of "${ledger}"`),
      })

      // the same producer commits again afterwards, and only what it commits then is visible
      await transactions.commit([{ topic: output, key: 'k', value: Buffer.from('after') }], null)
      const seen = await env.consume({ topic: output, until: (records) => records.length >= 1 })
      expect(seen.map((r) => r.value?.toString())).toEqual(['after'])
      const offsets = await (await env.admin()).fetchOffsets({ groupId, topics: [input] })
      expect(offsets[0]?.partitions).toEqual([{ partition: 0, offset: '-1', metadata: null }])
    } finally {
      await transactions.close()
    }
  })
})
