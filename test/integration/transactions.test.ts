import { describe, expect, it } from 'vitest'
import { createKafkaTestEnv, uniqueName } from '../support/kafka-test-env.js'

/**
 * The relay's exactly-once step: outputs and input offsets commit in one Kafka transaction
 * (DESIGN.md invariant 3). These prove the broker and kafkajs give us that on this stack.
 */
describe('kafkajs transactions', () => {
  it('commits output records and the input offset (sendOffsets) together', async () => {
    const env = createKafkaTestEnv()
    const input = await env.createTopic('input')
    const output = await env.createTopic('output')
    const groupId = uniqueName('relay')
    await (
      await env.producer()
    ).send({
      topic: input,
      messages: [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
      ],
    })

    // consume the input as the relay's group, without committing offsets the normal way
    const consumed = await env.consume({
      topic: input,
      groupId,
      until: (seen) => seen.length >= 2,
    })
    const last = consumed.at(-1)
    expect(last?.offset).toBe('1')

    const producer = await env.transactionalProducer()
    const transaction = await producer.transaction()
    try {
      await transaction.send({
        topic: output,
        messages: consumed.map((r) => ({ key: r.key, value: `processed ${r.value?.toString()}` })),
      })
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '2' }] }],
      })
      await transaction.commit()
    } finally {
      if (transaction.isActive()) await transaction.abort()
    }

    const committed = await env.consume({ topic: output, until: (seen) => seen.length >= 2 })
    expect(committed.map((r) => [r.key, r.value?.toString()])).toEqual([
      ['a', 'processed one'],
      ['b', 'processed two'],
    ])
    const offsets = await (await env.admin()).fetchOffsets({ groupId, topics: [input] })
    expect(offsets).toEqual([
      { topic: input, partitions: [{ partition: 0, offset: '2', metadata: null }] },
    ])
  })

  it('hides the records of an aborted transaction from read_committed consumers, and commits none of its offsets', async () => {
    const env = createKafkaTestEnv()
    const input = await env.createTopic('input')
    const output = await env.createTopic('output')
    const groupId = uniqueName('relay')
    const producer = await env.transactionalProducer()

    const aborted = await producer.transaction()
    try {
      await aborted.send({
        topic: output,
        messages: [
          { key: 'a', value: 'aborted 1' },
          { key: 'b', value: 'aborted 2' },
        ],
      })
      await aborted.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
      })
    } finally {
      await aborted.abort()
    }
    const next = await producer.transaction()
    try {
      await next.send({ topic: output, messages: [{ key: 'c', value: 'committed' }] })
      await next.commit()
    } finally {
      if (next.isActive()) await next.abort()
    }

    const isCommittedMarker = (seen: readonly { value: Buffer | null }[]): boolean =>
      seen.some((r) => r.value?.toString() === 'committed')
    const readCommitted = await env.consume({ topic: output, until: isCommittedMarker })
    expect(readCommitted.map((r) => r.value?.toString())).toEqual(['committed'])

    // the aborted records are in the log: a read_uncommitted consumer sees them
    const readUncommitted = await env.consume({
      topic: output,
      readUncommitted: true,
      until: isCommittedMarker,
    })
    expect(readUncommitted.map((r) => r.value?.toString())).toEqual([
      'aborted 1',
      'aborted 2',
      'committed',
    ])

    const offsets = await (await env.admin()).fetchOffsets({ groupId, topics: [input] })
    expect(offsets[0]?.partitions[0]?.offset).toBe('-1')
  })
})
