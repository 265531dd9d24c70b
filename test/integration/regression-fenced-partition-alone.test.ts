import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('regression: a partition fenced while no rebalance comes', () => {
  it('is taken over again and processed, instead of waiting for a rebalance forever', async () => {
    // The failure (found by `npm run chaos`, broker scenario): after a broker restart, the
    // transaction coordinator aborted the relay's open transactions by bumping their producer
    // epochs. The relay took "fenced" to mean another instance owned the partitions and waited
    // for a rebalance; alone in its group it never got one, and those partitions' records were
    // never processed (76 of 200 inputs without an outcome until the relay was stopped).
    // Here a producer with the partition's transactional id bumps the epoch, as the coordinator
    // does; the relay stays the group's only member.
    const fixture = await startRelayFixture({ partitions: 1 })
    await fixture.startRelay()
    const event = (level: number) => ({
      key: 'u1',
      value: JSON.stringify({ user: { email: 'u1@example.com' }, level }),
    })
    await fixture.produce(fixture.topics.kyc, [event(1)])
    await fixture.readOutputs((e) => e.onchain.length >= 1)

    const fence = await fixture.env.producer({
      transactionalId: `${fixture.groupId}.issue.${fixture.topics.kyc}.0`,
      idempotent: true,
      maxInFlightRequests: 1,
    })
    // InitProducerId (kafkajs sends it with the first transaction) bumps the epoch
    await (await fence.transaction()).abort()
    await fence.disconnect()
    await fixture.produce(fixture.topics.kyc, [event(2), event(3)])

    const out = await fixture.readOutputs((e) => e.onchain.length >= 3, 45_000)
    expect(out.issued.map((e) => e.source.offset)).toEqual(['0', '1', '2'])
    expect(out.onchain).toHaveLength(3)
  }, 60_000)
})
