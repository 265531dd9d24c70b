import { describe, expect, it } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/**
 * Was: the first "No credential found for the given hash." failed the credential
 * (MOCA_STATUS_NOT_FOUND, terminal), although the hash came from MocaChain's own issue answer a
 * moment before. A status index that lags the issue call by a second (the relay polls 1 s after
 * issuance by default) would have turned credentials on their way on-chain into
 * credential.failed. Such a 404 is now polled again for confirm.notFoundGrace after issuance.
 */
describe('a status index that lags the issue call', () => {
  it('is polled again within notFoundGrace: every credential reaches credential.onchain, none fails', async () => {
    // the fixture polls 100 ms after issuance, doubling to 500 ms: the first polls hear 404
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { settings: { statusLagMs: 1_500 } },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(5))
    await fixture.startRelay()

    const out = await fixture.readOutputs((e) => e.onchain.length + e.failed.length >= 5)
    expect(out.failed).toEqual([])
    expect(out.onchain.map((e) => e.idempotencyKey).sort()).toEqual(
      out.issued.map((e) => e.idempotencyKey).sort(),
    )
    expect(fixture.sandbox.sandbox.stats().status.byHttpStatus['404']).toBeGreaterThan(0)
  }, 60_000)

  it('fails the credential with MOCA_STATUS_NOT_FOUND once the hash is still unknown past notFoundGrace', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { settings: { statusLagMs: 600_000 } },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(2))
    await fixture.startRelay({ config: { confirm: { notFoundGrace: 1_000 } } })

    const out = await fixture.readOutputs((e) => e.onchain.length + e.failed.length >= 2)
    expect(out.onchain).toEqual([])
    expect(out.failed).toHaveLength(2)
    for (const failed of out.failed) {
      expect(failed.failure).toMatchObject({ code: 'MOCA_STATUS_NOT_FOUND', httpStatus: 404 })
      // asked again within the grace, not failed at the first answer
      expect(failed.failure.attempts).toBeGreaterThan(1)
    }
  }, 60_000)
})
