import { describe, expect, it } from 'vitest'
import { confirmQueueTopic } from '../../src/ledger/ledger-topics.js'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('two relays in one consumer group', () => {
  it('hands partitions over when one stops mid-stream: no loss, no duplicate', async () => {
    const fixture = await startRelayFixture({
      partitions: 4,
      sandbox: { faults: { issue: { latency: { uniformMs: { min: 5, max: 40 } } } } },
    })
    const total = 400
    const events = Array.from({ length: total }, (_, i) => ({
      key: `user-${i % 50}`,
      value: JSON.stringify({ user: { email: `user${i % 50}@example.com` }, level: i }),
    }))
    await fixture.produce(fixture.topics.kyc, events.slice(0, 200))
    const first = await fixture.startRelay()
    const second = await fixture.startRelay()
    // Both members own partitions of both stages.
    await expect
      .poll(
        () =>
          [first, second].map(
            (r) => r.relay.partitions.issue.filter((p) => p.topic === fixture.topics.kyc).length,
          ),
        { timeout: 30_000 },
      )
      .toEqual([2, 2])
    await fixture.readOutputs((e) => e.issued.length >= 50)
    await fixture.produce(fixture.topics.kyc, events.slice(200))

    // One leaves mid-stream (a deploy): the other takes over its partitions.
    await first.stop()
    const out = await fixture.readOutputs((e) => e.onchain.length >= total, 90_000)

    expect(out.issued).toHaveLength(total)
    expect(out.onchain).toHaveLength(total)
    expect(out.failed).toHaveLength(0)
    expect(new Set(out.issued.map((e) => e.id)).size).toBe(total)
    const revokes = new Map<string, number>()
    for (const call of fixture.issueCalls()) {
      if (call.onDuplicate === 'revoke' && call.applied)
        revokes.set(call.idempotencyKey!, (revokes.get(call.idempotencyKey!) ?? 0) + 1)
    }
    expect(Math.max(...revokes.values())).toBe(1)
    expect(
      second.relay.partitions.issue.filter((p) => p.topic === fixture.topics.kyc),
    ).toHaveLength(4)

    // What an operator sizes the heap by: the survivor holds the ledgers of every partition,
    // those it restored from the one that left included.
    const metrics = await (await fetch(`${second.ops!.url}/metrics`)).text()
    const ledgerSeries = (stage: string, topic: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(`moca_relay_ledger_entries{stage="${stage}",topic="${topic}",`))
        .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))
    const issueLedgers = ledgerSeries('issue', fixture.topics.kyc)
    expect(issueLedgers).toHaveLength(4)
    expect(issueLedgers.reduce((a, b) => a + b, 0)).toBe(total)
    // the confirm stage holds only what it restored from the partitions it took over
    expect(ledgerSeries('confirm', confirmQueueTopic(fixture.groupId))).toHaveLength(4)
  }, 120_000)
})
