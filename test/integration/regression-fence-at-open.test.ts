import { describe, expect, it, onTestFinished } from 'vitest'
import { openPartitionTransactions } from '../../src/kafka/partition-transactions.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { createKafkaTestEnv, uniqueName } from '../support/kafka-test-env.js'

describe('regression: opening a partition transactional producer fences the previous owner', () => {
  it("makes the previous owner's next commit fail before the new owner reads the ledger", async () => {
    // The failure: kafkajs's producer.connect() sends InitProducerId without the transactional id
    // (its idempotent half); the one carrying it, which bumps the epoch, waited for the first
    // transaction. A worker "fenced, then measured the ledger end, then restored" while the
    // previous owner could still commit intents: a second range run restored a ledger without the
    // first run's intents and issued the same keys with "revoke".
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('fence-at-open', { numPartitions: 1 })
    const transactionalId = uniqueName('fence-at-open')
    const open = () =>
      openPartitionTransactions({
        kafka: env.kafka,
        transactionalId,
        consumerGroupId: uniqueName('group'),
        transactionTimeoutMs: 30_000,
        logger: createSilentLogger(),
      })
    const record = { topic: topic!, partition: 0, key: 'k', value: Buffer.from('v') }
    const first = await open()
    onTestFinished(() => first.close())
    await first.commit([record], null)

    const second = await open()
    onTestFinished(() => second.close())
    await expect(first.commit([record], null)).rejects.toMatchObject({ code: 'KAFKA_FENCED' })
    await second.commit([record], null)
  }, 60_000)
})
