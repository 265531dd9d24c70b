import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('regression: relays of one group started at the same moment', () => {
  it('all start, although only one of them created the topics', async () => {
    // The failure (found by `npm run chaos`, group scenario): three relays started together each
    // found the output topics missing; one created them, the others' CreateTopics answered
    // TOPIC_ALREADY_EXISTS, which kafkajs reports without waiting for the new topics' leaders.
    // Their next metadata request then failed with "This server does not host this
    // topic-partition" and the process exited 70 ("unexpected error (a bug)").
    const fixture = await startRelayFixture({ partitions: 3 })
    const relays = await Promise.allSettled(Array.from({ length: 3 }, () => fixture.startRelay()))
    expect(relays.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([])

    await fixture.produce(fixture.topics.kyc, [
      { key: 'u1', value: JSON.stringify({ user: { email: 'u1@example.com' }, level: 1 }) },
    ])
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    expect(out.onchain).toHaveLength(1)
  })
})
