import { describe, expect, it } from 'vitest'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'

describe('the broker', () => {
  it('delivers produced records to a consumer group in order, with keys and headers', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('orders')
    const producer = await env.producer()

    await producer.send({
      topic,
      messages: [
        { key: 'alice', value: 'first', headers: { traceparent: '00-abc-def-01' } },
        { key: 'bob', value: 'second' },
        { key: 'alice', value: 'third' },
      ],
    })

    const records = await env.consume({ topic, until: (seen) => seen.length >= 3 })
    expect(
      records.map((r) => ({ key: r.key, value: r.value?.toString(), offset: r.offset })),
    ).toEqual([
      { key: 'alice', value: 'first', offset: '0' },
      { key: 'bob', value: 'second', offset: '1' },
      { key: 'alice', value: 'third', offset: '2' },
    ])
    expect(records[0]?.headers['traceparent']?.toString()).toBe('00-abc-def-01')
  })

  it('lists the broker the tests were given in its cluster metadata', async () => {
    const env = createKafkaTestEnv()
    const cluster = await (await env.admin()).describeCluster()
    expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toEqual(env.brokers)
  })
})
