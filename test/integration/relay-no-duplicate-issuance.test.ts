import { describe, expect, it } from 'vitest'
import type { IssueCallRecord } from '../../src/sandbox/call-log.js'
import { startRelayFixture } from '../support/relay-fixture.js'

function kycEvents(count: number, offset = 0) {
  return Array.from({ length: count }, (_, i) => ({
    key: `user-${(i + offset) % 7}`,
    value: JSON.stringify({
      user: { email: `user${(i + offset) % 7}@example.com` },
      level: i + offset,
    }),
  }))
}

/** Calls that may have changed MocaChain's state with "revoke", per idempotency key. */
function revokesPerKey(calls: readonly IssueCallRecord[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const call of calls) {
    if (call.onDuplicate !== 'revoke' || call.idempotencyKey === null) continue
    // A call refused before any work (408, 429, a 401) cannot have issued anything; a 5xx,
    // 503 included, may come from a gateway after MocaChain got the call.
    const mayHaveActed = call.applied || call.httpStatus === null || call.httpStatus >= 500
    if (mayHaveActed) counts.set(call.idempotencyKey, (counts.get(call.idempotencyKey) ?? 0) + 1)
  }
  return counts
}

describe('invariant 2: no duplicate issuance', () => {
  it('recovers an uncertain outcome with onDuplicate "ignore", never a second "revoke"', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      // The first calls do the work, then fail in each way a client cannot tell from "not done".
      sandbox: {
        faults: {
          issue: { next: ['applyThen500', 'applyThenReset', 'applyThenHang', 'applyThen500'] },
        },
      },
    })
    await fixture.produce(fixture.topics.kyc, kycEvents(20))
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= 20)

    expect(out.issued).toHaveLength(20)
    expect(out.failed).toHaveLength(0)
    const calls = fixture.issueCalls()
    const perKey = revokesPerKey(calls)
    expect(Math.max(...perKey.values())).toBe(1)
    // Four keys saw an uncertain outcome; each was recovered by exactly one "ignore" call that
    // found the credential the first call had issued.
    const ignores = calls.filter((c) => c.onDuplicate === 'ignore')
    expect(ignores).toHaveLength(4)
    expect(ignores.every((c) => c.action === 'returned-existing' && c.httpStatus === 200)).toBe(
      true,
    )
    const firstHash = new Map(
      calls
        .filter((c) => c.fault?.startsWith('apply'))
        .map((c) => [c.idempotencyKey, c.coreClaimHash]),
    )
    for (const event of out.issued.filter((e) => e.onDuplicate === 'ignore')) {
      expect(event.coreClaimHash).toBe(firstHash.get(event.idempotencyKey))
    }
    // MocaChain issued each credential once.
    expect(fixture.sandbox.sandbox.stats().credentials.issued).toBe(20)
  })

  it('retries a call MocaChain refused before doing any work (408, 429) with its own onDuplicate', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { issue: { next: ['http408', 'http429'], retryAfterSeconds: 0 } } },
    })
    await fixture.produce(fixture.topics.kyc, kycEvents(3))
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= 3)
    // Nothing had been applied, so "ignore" would wrongly return an older credential: the
    // retry asks for "revoke" again, and the user ends with the new content.
    expect(out.issued.every((e) => e.onDuplicate === 'revoke')).toBe(true)
    expect(fixture.issueCalls().filter((c) => c.applied)).toHaveLength(3)
    expect(out.issued.some((e) => e.attempts > 1)).toBe(true)
  })

  it('under "unordered", a command waits while the same idempotency key is being issued', async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    // Each event twice in a row: the same content, so the same idempotency key, and "unordered"
    // puts no ordering key between the two copies.
    const events = kycEvents(6).flatMap((e) => [e, e])
    await fixture.produce(fixture.topics.kyc, events)
    const routes = fixture.rawConfig.routes as Record<string, unknown>[]
    await fixture.startRelay({
      config: { routes: routes.map((r) => ({ ...r, ordering: 'unordered' })) },
    })
    const admin = await fixture.env.admin()
    const [end] = await admin.fetchTopicOffsets(fixture.topics.kyc)
    await expect
      .poll(
        async () =>
          (await admin.fetchOffsets({ groupId: fixture.groupId, topics: [fixture.topics.kyc] }))[0]!
            .partitions[0]!.offset,
        { timeout: 30_000 },
      )
      .toBe(end!.high)

    // The second copy found the first one's outcome and was skipped: no "ignore" recovery call
    // racing the first call, and no second credential.issued.
    expect(fixture.issueCalls()).toHaveLength(6)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 6)
    expect(out.issued).toHaveLength(6)
    expect(new Set(out.issued.map((e) => e.idempotencyKey)).size).toBe(6)
  })

  it('replaying the input topic from offset 0 issues nothing new', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(fixture.topics.kyc, kycEvents(50))
    const first = await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 50)
    await first.stop()
    const callsBefore = fixture.issueCalls().length

    // An operator rewinds the live group to the start of the topic and restarts the relay.
    const admin = await fixture.env.admin()
    await admin.resetOffsets({
      groupId: fixture.groupId,
      topic: fixture.topics.kyc,
      earliest: true,
    })
    await fixture.startRelay()
    const end = await admin.fetchTopicOffsets(fixture.topics.kyc)
    await expect
      .poll(
        async () =>
          (
            await admin.fetchOffsets({ groupId: fixture.groupId, topics: [fixture.topics.kyc] })
          )[0]!.partitions
            .map((p) => p.offset)
            .sort(),
        { timeout: 30_000 },
      )
      .toEqual(end.map((p) => p.high).sort())

    expect(fixture.issueCalls()).toHaveLength(callsBefore)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 50)
    expect(out.issued).toHaveLength(50)
    expect(out.onchain).toHaveLength(50)
  }, 90_000)
})
