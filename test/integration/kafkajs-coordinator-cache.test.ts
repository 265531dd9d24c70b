import type { Producer } from 'kafkajs'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { installCoordinatorCache } from '../../src/kafka/kafkajs-coordinator-cache.js'
import { createKafkaTestEnv, uniqueName, type KafkaTestEnv } from '../support/kafka-test-env.js'

/** kafkajs's name for FindCoordinator. */
const FIND_COORDINATOR = 'GroupCoordinator'

/** Counts the FindCoordinator requests `producer` sends from now on. */
function countLookups(producer: Producer): () => number {
  let lookups = 0
  producer.on(producer.events.REQUEST, ({ payload }) => {
    if (payload.apiName === FIND_COORDINATOR) lookups++
  })
  return () => lookups
}

interface RelayTopics {
  readonly input: string
  readonly output: string
  readonly groupId: string
}

async function relayTopics(env: KafkaTestEnv): Promise<RelayTopics> {
  return {
    input: await env.createTopic('input'),
    output: await env.createTopic('output'),
    groupId: uniqueName('relay'),
  }
}

/**
 * The input offset the transactions committed for the relay's group reaches `offset`. EndTxn
 * returns before the broker has written the commit marker to the offsets topic, and kafkajs's
 * OffsetFetch does not wait for it (no require_stable): the last commit shows a moment later.
 */
async function expectCommittedOffset(
  env: KafkaTestEnv,
  topics: RelayTopics,
  offset: string,
): Promise<void> {
  await vi.waitFor(
    async () => {
      const offsets = await (
        await env.admin()
      ).fetchOffsets({ groupId: topics.groupId, topics: [topics.input] })
      expect(offsets[0]?.partitions[0]?.offset).toBe(offset)
    },
    { timeout: 10_000, interval: 50 },
  )
}

/** One transaction as the relay runs it: records, the input offset, commit. */
async function relayTransaction(
  producer: Producer,
  topics: RelayTopics,
  offset: number,
): Promise<void> {
  const transaction = await producer.transaction()
  try {
    await transaction.send({ topic: topics.output, messages: [{ key: 'k', value: `${offset}` }] })
    await transaction.sendOffsets({
      consumerGroupId: topics.groupId,
      topics: [{ topic: topics.input, partitions: [{ partition: 0, offset: String(offset) }] }],
    })
    await transaction.commit()
  } finally {
    if (transaction.isActive()) await transaction.abort()
  }
}

function transactional(env: KafkaTestEnv, transactionalId: string): Promise<Producer> {
  return env.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 50 },
  })
}

describe('kafkajs transaction coordinator cache', () => {
  beforeAll(() => installCoordinatorCache())

  it('looks the transaction coordinator up once, not before every request of every transaction', async () => {
    const env = createKafkaTestEnv()
    const topics = await relayTopics(env)
    const producer = await transactional(env, uniqueName('tx'))
    // The first transaction finds the coordinators, waiting out a fresh broker's loading ones.
    await relayTransaction(producer, topics, 1)
    const lookups = countLookups(producer)

    for (let offset = 2; offset <= 5; offset++) await relayTransaction(producer, topics, offset)

    // kafkajs alone: 4 per transaction (AddPartitionsToTxn, AddOffsetsToTxn and EndTxn go to the
    // transaction coordinator, TxnOffsetCommit to the group's); kept: the group's lookup only
    expect(lookups()).toBe(4)
    await expectCommittedOffset(env, topics, '5')
  })

  it('looks it up again after a request to it failed', async () => {
    const env = createKafkaTestEnv()
    const topics = await relayTopics(env)
    const transactionalId = uniqueName('tx')
    const first = await transactional(env, transactionalId)
    await relayTransaction(first, topics, 1)
    const owner = await transactional(env, transactionalId)
    await relayTransaction(owner, topics, 2) // its InitProducerId fences the first producer
    const lookups = countLookups(owner)

    // the fenced producer's next request to the transaction coordinator fails
    await expect(relayTransaction(first, topics, 99)).rejects.toThrow()

    await relayTransaction(owner, topics, 3)
    expect(lookups()).toBe(2) // the transaction coordinator again, and the group's
    await expectCommittedOffset(env, topics, '3')
  })
})
