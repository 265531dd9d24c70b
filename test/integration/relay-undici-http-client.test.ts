import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('moca.httpClient: undici (real broker, sandbox over HTTP)', () => {
  it("issues and confirms every event through undici's Pool, once each", async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    const events = Array.from({ length: 80 }, (_, i) => ({
      key: `user-${i % 16}`,
      value: JSON.stringify({
        id: `kyc-${i}`,
        type: 'kyc.completed',
        user: { email: `user${i % 16}@example.com` },
        level: i,
      }),
    }))
    await fixture.produce(fixture.topics.kyc, events)
    await fixture.startRelay({ config: { moca: { httpClient: 'undici' } } })

    const out = await fixture.readOutputs((e) => e.onchain.length >= events.length)
    expect(out.issued).toHaveLength(events.length)
    expect(out.onchain).toHaveLength(events.length)
    expect(out.failed).toHaveLength(0)
    const applied = fixture.issueCalls().filter((c) => c.applied)
    expect(applied).toHaveLength(events.length)
    expect(new Set(applied.map((c) => c.idempotencyKey)).size).toBe(events.length)
  })
})
