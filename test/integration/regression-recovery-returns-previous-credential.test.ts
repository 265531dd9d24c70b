import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe("regression: a recovery that finds the user's previous credential", () => {
  it('issues the new content instead of recording the old credential as this issuance', async () => {
    // The failure: an issue call timed out without taking effect; the recovery asked with
    // onDuplicate "ignore", MocaChain (which keys duplicates on user + program) returned the
    // user's credential from the previous event, and the relay published it as the new one:
    // the user kept stale claims. Found by the kill -9 test (a kill between intent and call).
    const fixture = await startRelayFixture({ partitions: 1 })
    const relay = await fixture.startRelay()
    const event = (level: number) => ({
      key: 'ada',
      value: JSON.stringify({ user: { email: 'ada@example.com' }, level }),
    })

    await fixture.produce(fixture.topics.kyc, [event(1)])
    const first = await fixture.readOutputs((e) => e.issued.length >= 1)
    // The next call hangs before any work: the client times out, the outcome is uncertain.
    fixture.sandbox.sandbox.setFaults({ issue: { next: ['hang'] } })
    await fixture.produce(fixture.topics.kyc, [event(2)])
    const out = await fixture.readOutputs((e) => e.onchain.length >= 2)

    const [older, newer] = out.issued
    expect(newer!.coreClaimHash).not.toBe(older!.coreClaimHash)
    expect(newer!.coreClaimHash).not.toBe(first.issued[0]!.coreClaimHash)
    const calls = fixture.issueCalls().filter((c) => c.idempotencyKey === newer!.idempotencyKey)
    expect(calls.map((c) => [c.onDuplicate, c.outcome, c.action])).toEqual([
      ['revoke', 'hang', null],
      ['ignore', 'answered', 'returned-existing'],
      ['revoke', 'answered', 'reissued'],
    ])
    // One revoke took effect for this key; the hung one never did.
    expect(calls.filter((c) => c.onDuplicate === 'revoke' && c.applied)).toHaveLength(1)
    expect(relay.relay.readiness().ready).toBe(true)
  })
})
