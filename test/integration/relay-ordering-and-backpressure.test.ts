import { describe, expect, it } from 'vitest'
import type { RelayProcess } from '../../src/cli/compose-relay.js'
import type { PartitionStatus } from '../../src/pipeline/stage-runner.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/** Shows `sample` the issue stage's view of `topic`'s partition every 5 ms until `until` settles. */
async function sampleIssuePartition(
  relay: RelayProcess,
  topic: string,
  sample: (partition: PartitionStatus) => void,
  until: Promise<unknown>,
): Promise<void> {
  const sampler = setInterval(() => {
    const partition = relay.relay.partitions.issue.find((p) => p.topic === topic)
    if (partition) sample(partition)
  }, 5)
  try {
    await until
  } finally {
    clearInterval(sampler)
  }
}

describe('invariant 4: per-key order, concurrency across keys', () => {
  it("publishes each user's credentials in offset order while users run concurrently", async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      // Random latency: without key ordering, a user's later events would often finish first.
      sandbox: {
        faults: {
          issue: { latency: { uniformMs: { min: 5, max: 80 } } },
          status: { latency: { uniformMs: { min: 5, max: 80 } } },
        },
      },
    })
    const users = 8
    const perUser = 12
    const events = Array.from({ length: users * perUser }, (_, i) => ({
      key: `user-${i % users}`,
      value: JSON.stringify({ user: { email: `user${i % users}@example.com` }, level: i }),
    }))
    await fixture.produce(fixture.topics.kyc, events)
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= users * perUser)

    // credential.issued, and then credential.onchain (the confirm stage keeps the order too)
    for (const topic of [fixture.topics.issued, fixture.topics.onchain]) {
      const byUser = new Map<string, number[]>()
      for (const record of out.records.filter((r) => r.topic === topic)) {
        const event = JSON.parse(record.value) as { source: { offset: string } }
        const offsets = byUser.get(record.key ?? '') ?? []
        offsets.push(Number(event.source.offset))
        byUser.set(record.key ?? '', offsets)
      }
      expect(byUser.size).toBe(users)
      for (const offsets of byUser.values()) {
        expect(offsets).toHaveLength(perUser)
        expect(offsets, topic).toEqual([...offsets].sort((a, b) => a - b))
      }
    }
    // Meanwhile MocaChain held calls of several users at once: ordering is per key, not per partition.
    expect(fixture.sandbox.sandbox.stats().issue.maxInFlight).toBeGreaterThan(1)
  })
})

describe('invariant 5: a slow or failing key blocks only itself', () => {
  it("issues every other user while one user's call takes seconds, without committing past it", async () => {
    const slow = 'slow@example.com'
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { userLatency: { [slow]: { fixedMs: 2_500 } } } },
      config: { moca: { requestTimeout: 10_000, uncertaintyWindow: 12_000 } },
    })
    await fixture.produce(fixture.topics.kyc, [
      { key: 'slow', value: JSON.stringify({ user: { email: slow }, level: 1 }) },
      ...Array.from({ length: 30 }, (_, i) => ({
        key: `fast-${i}`,
        value: JSON.stringify({ user: { email: `fast${i}@example.com` }, level: i }),
      })),
    ])
    const relay = await fixture.startRelay()
    const fastIssued = await fixture.readOutputs(
      (e) => e.issued.filter((x) => x.emailMasked.startsWith('f')).length >= 30,
    )
    // All 30 later records are out, the slow one (offset 0) is not: it held no one back.
    expect(fastIssued.issued.some((e) => e.emailMasked.startsWith('s'))).toBe(false)
    // Its offset is the watermark: a crash now would reprocess from it, and the ledger would
    // turn the 30 done records into skips.
    const admin = await fixture.env.admin()
    const committed = await admin.fetchOffsets({
      groupId: fixture.groupId,
      topics: [fixture.topics.kyc],
    })
    // '-1' (nothing committed yet) or '0': never past the slow record.
    expect(Number(committed[0]!.partitions[0]!.offset)).toBeLessThanOrEqual(0)
    expect(
      relay.relay.partitions.issue.find((p) => p.topic === fixture.topics.kyc)!.inFlight,
    ).toBeGreaterThanOrEqual(1)

    const all = await fixture.readOutputs((e) => e.onchain.length >= 31)
    expect(all.issued.filter((e) => e.emailMasked.startsWith('s'))).toHaveLength(1)
  })

  it('pauses the partition when the in-flight budget is full instead of buffering', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { issue: { latency: { fixedMs: 150 } } } },
      config: { issue: { maxInFlight: 5 } },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(40))
    const relay = await fixture.startRelay()
    const seen = { maxInFlight: 0, pausedForBudget: false }
    await sampleIssuePartition(
      relay,
      fixture.topics.kyc,
      (partition) => {
        seen.maxInFlight = Math.max(seen.maxInFlight, partition.inFlight)
        seen.pausedForBudget ||= partition.paused.includes('in-flight budget full')
      },
      fixture.readOutputs((e) => e.issued.length >= 40),
    )
    expect(seen.pausedForBudget).toBe(true)
    expect(seen.maxInFlight).toBeLessThanOrEqual(5)
    // Concurrency across keys filled the budget rather than running one call at a time.
    expect(seen.maxInFlight).toBe(5)
  })
})

describe('slow start: a partition begins with a small in-flight budget', () => {
  it('admits issue.initialInFlight records until a commit completes some, then grows to maxInFlight', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { issue: { latency: { fixedMs: 100 } } } },
      config: { issue: { maxInFlight: 32, initialInFlight: 4 } },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(200))
    const relay = await fixture.startRelay()
    const seen = { beforeFirstCommit: 0, overall: 0 }
    await sampleIssuePartition(
      relay,
      fixture.topics.kyc,
      (partition) => {
        seen.overall = Math.max(seen.overall, partition.inFlight)
        if (partition.committedOffset === null) {
          seen.beforeFirstCommit = Math.max(seen.beforeFirstCommit, partition.inFlight)
        }
      },
      fixture.readOutputs((e) => e.issued.length >= 200),
    )
    // Until MocaChain's first answers were committed, only the initial budget was out.
    expect(seen.beforeFirstCommit).toBeGreaterThan(0)
    expect(seen.beforeFirstCommit).toBeLessThanOrEqual(4)
    // Each commit added the records it completed, up to the full budget.
    expect(seen.overall).toBe(32)
  })
})
