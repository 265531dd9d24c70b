import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('regression: a slow issue call that lands after the request timeout', () => {
  it('is issued once, and the relay publishes the credential the user holds', async () => {
    // The failure (found by `npm run chaos` with a 2 s request timeout): the relay gave up on the
    // first call ("revoke") at 2 s and asked again at once with "ignore", which found nothing yet
    // and issued; at 5 s the first call landed and revoked that credential to issue another.
    // MocaChain issued twice for one key, and the relay published the credential it revoked.
    // Now a retry after a call that got no answer waits out moca.uncertaintyWindow from that call.
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { issue: { latency: { fixedMs: 5_000 } } } },
    })
    await fixture.produce(fixture.topics.kyc, [
      { key: 'slow', value: JSON.stringify({ user: { email: 'slow@example.com' }, level: 1 }) },
    ])
    await fixture.startRelay({
      config: { moca: { requestTimeout: 2_000, uncertaintyWindow: 7_000 } },
    })
    // MocaChain is slow for this one call only: a retry would be answered at once.
    await expect
      .poll(() => fixture.sandbox.sandbox.stats().issue.inFlight, { timeout: 20_000 })
      .toBe(1)
    fixture.sandbox.sandbox.setFaults({ issue: {} })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    await expect
      .poll(() => fixture.sandbox.sandbox.stats().issue.inFlight, { timeout: 10_000 })
      .toBe(0)

    const applied = fixture.issueCalls().filter((c) => c.applied)
    expect(out.issued).toHaveLength(1)
    expect(applied).toHaveLength(1)
    expect(applied[0]!.onDuplicate).toBe('revoke')
    expect(out.issued[0]!.onDuplicate).toBe('ignore')
    expect(out.issued[0]!.coreClaimHash).toBe(applied[0]!.coreClaimHash)
    expect(fixture.sandbox.sandbox.stats().credentials.issued).toBe(1)
  }, 90_000)
})
