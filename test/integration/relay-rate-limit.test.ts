import { describe, expect, it } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/** MocaChain throttles issue-on-behalf at 20 calls/s with a burst of 5 (the sandbox's bucket). */
const THROTTLED_SANDBOX = {
  faults: { issue: { rateLimit: { perSecond: 20, burst: 5 }, retryAfterSeconds: 1 } },
}

describe('moca.rateLimit', () => {
  it('keeps a backlog under a known quota: every event onchain, and not one 429', async () => {
    const fixture = await startRelayFixture({ partitions: 2, sandbox: THROTTLED_SANDBOX })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(40))
    // Issue and status calls share the cap, so issue calls stay below 15/s.
    await fixture.startRelay({ config: { moca: { rateLimit: { perSecond: 15, burst: 3 } } } })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 40)

    expect(out.onchain).toHaveLength(40)
    expect(out.failed).toHaveLength(0)
    const stats = fixture.sandbox.sandbox.stats()
    expect(stats.issue.byHttpStatus).toEqual({ '200': 40 })
    expect(stats.status.byHttpStatus['429']).toBeUndefined()
  })

  it('without it, the same backlog meets 429s (what the cap is for)', async () => {
    const fixture = await startRelayFixture({ partitions: 2, sandbox: THROTTLED_SANDBOX })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(40))
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= 40)

    expect(out.onchain).toHaveLength(40)
    expect(fixture.sandbox.sandbox.stats().issue.byHttpStatus['429']).toBeGreaterThan(0)
  }, 90_000)
})
