import { ConfigResourceTypes } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'

/** The idempotency ledger is a compacted topic, restored by reading it from the start. */
describe('a compacted topic', () => {
  it('is created compacted and reads back keyed records and tombstones in order', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('ledger', {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    })

    const described = await (
      await env.admin()
    ).describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] },
      ],
    })
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe('compact')

    await (
      await env.producer()
    ).send({
      topic,
      messages: [
        { key: 'key-1', value: 'intent' },
        { key: 'key-2', value: 'intent' },
        { key: 'key-1', value: 'issued' },
        { key: 'key-2', value: null },
      ],
    })

    const records = await env.consume({ topic, until: (seen) => seen.length >= 4 })
    expect(records.map((r) => [r.key, r.value?.toString() ?? null])).toEqual([
      ['key-1', 'intent'],
      ['key-2', 'intent'],
      ['key-1', 'issued'],
      ['key-2', null],
    ])
    // what a restore computes from the log: the last value per key, tombstones deleting
    const state = new Map<string, string>()
    for (const r of records) {
      if (r.key === null) continue
      if (r.value === null) state.delete(r.key)
      else state.set(r.key, r.value.toString())
    }
    expect(Object.fromEntries(state)).toEqual({ 'key-1': 'issued' })
  })
})
