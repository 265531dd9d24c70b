import { describe, expect, it } from 'vitest'
import { confirmQueueTopic } from '../../src/ledger/ledger-topics.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/**
 * Was, against a real broker: the confirm stage's moca_relay_consumer_lag stayed at 1 per
 * partition with every credential confirmed (the relay writes its confirm queue in transactions,
 * and the commit marker after the last request counted as lag), and after a second relay joined
 * the group the first kept exporting moca_relay_in_flight and moca_relay_consumer_lag for the
 * partitions it had handed over, frozen, next to the new owner's.
 */

/** The partitions of `stage`/`topic` that have a `name` series in a /metrics text, with values. */
function series(text: string, name: string, stage: string, topic: string): Map<number, number> {
  const prefix = `${name}{stage="${stage}",topic="${topic}",partition="`
  const out = new Map<number, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue
    const partition = Number(line.slice(prefix.length, line.indexOf('"', prefix.length)))
    out.set(partition, Number(line.slice(line.lastIndexOf(' ') + 1)))
  }
  return out
}

describe('per-partition gauges on a real broker', () => {
  it('read lag 0 once all is confirmed, and leave with a partition a rebalance moves', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    const kyc = fixture.topics.kyc
    const queue = confirmQueueTopic(fixture.groupId)
    await fixture.produce(kyc, distinctUserEvents(40))
    const first = await fixture.startRelay()
    const metricsOf = async (relay: typeof first): Promise<string> =>
      (await fetch(`${relay.ops!.url}/metrics`)).text()
    await fixture.readOutputs((e) => e.onchain.length >= 40, 60_000)

    // Everything read and confirmed: no lag, on the transactional confirm queue too.
    await expect
      .poll(
        async () => {
          const text = await metricsOf(first)
          return [...series(text, 'moca_relay_consumer_lag', 'confirm', queue).values()]
        },
        { timeout: 20_000 },
      )
      .toEqual([0, 0])
    expect([
      ...series(await metricsOf(first), 'moca_relay_consumer_lag', 'issue', kyc).values(),
    ]).toEqual([0, 0])

    // A second relay joins: each owns one partition of each stage.
    const second = await fixture.startRelay()
    const owned = (relay: typeof first, stage: 'issue' | 'confirm', topic: string) =>
      relay.relay.partitions[stage]
        .filter((p) => p.topic === topic)
        .map((p) => p.partition)
        .sort()
    await expect
      .poll(() => [owned(first, 'issue', kyc).length, owned(second, 'issue', kyc).length], {
        timeout: 30_000,
      })
      .toEqual([1, 1])
    await expect
      .poll(() => [owned(first, 'confirm', queue).length, owned(second, 'confirm', queue).length], {
        timeout: 30_000,
      })
      .toEqual([1, 1])

    const text = await metricsOf(first)
    for (const name of ['moca_relay_in_flight', 'moca_relay_consumer_lag']) {
      expect([...series(text, name, 'issue', kyc).keys()]).toEqual(owned(first, 'issue', kyc))
      expect([...series(text, name, 'confirm', queue).keys()]).toEqual(
        owned(first, 'confirm', queue),
      )
    }
  }, 120_000)
})
