import { describe, expect, it } from 'vitest'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'

describe('regression: kafkajs read_committed with overlapping aborted transactions', () => {
  it('never delivers a record of an aborted transaction', async () => {
    // The failure (kafkajs 2.2.4, found by `npm run chaos`): the broker lists a fetch's aborted
    // transactions in abort order; kafkajs walked the list as if sorted by first offset, so an
    // aborted transaction that began first but was aborted last was delivered as committed. After
    // a kill -9 the relay's successor aborts overlapping transactions in just that order.
    // src/kafka/kafkajs-read-committed-fix.ts replaces the filter (installed by test/setup).
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('aborted-overlap')
    const first = await env.transactionalProducer()
    const second = await env.transactionalProducer()
    const early = await first.transaction()
    await early.send({ topic, messages: [{ value: 'aborted, began first' }] })
    const late = await second.transaction()
    await late.send({ topic, messages: [{ value: 'aborted, began second' }] })
    await late.send({ topic, messages: [{ value: 'aborted, began second, again' }] })
    // Aborted in the other order: the broker's abort index lists `late` before `early`.
    await late.abort()
    await early.abort()
    const committed = await first.transaction()
    await committed.send({ topic, messages: [{ value: 'committed' }] })
    await committed.commit()

    const read = await env.consume({
      topic,
      until: (records) => records.some((r) => r.value?.toString() === 'committed'),
    })
    expect(read.map((r) => r.value?.toString())).toEqual(['committed'])
  })
})
