import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a reissue whose first call was uncertain', () => {
  it('issues the new generation instead of recording the credential it replaces as the new one', async () => {
    // The failure: a reissue's intent overwrites the key's ISSUED entry under the same key, so
    // when its first call was uncertain (a 500) the recovery asked with "ignore", MocaChain
    // returned the credential of generation 0, and nothing told it apart from this generation's:
    // the reissue published the old credential as generation 1, and no revoke ever went out.
    const fixture = await startRelayFixture({ partitions: 1 })
    const live = await fixture.startRelay()
    await fixture.produce(fixture.topics.kyc, [
      { key: 'ada', value: JSON.stringify({ user: { email: 'ada@example.com' }, level: 1 }) },
    ])
    const first = await fixture.readOutputs((e) => e.onchain.length >= 1)
    const generation0 = first.issued[0]!

    // MocaChain's next issue call fails with a 500 before doing anything
    fixture.sandbox.sandbox.setFaults({ issue: { next: ['http500'] } })
    const config = await writeRelayConfig(fixture.rawConfig)
    const reissue = await runCli(
      [
        'replay',
        '--config',
        config,
        '--topic',
        fixture.topics.kyc,
        '--from',
        'earliest',
        '--reissue',
        '--yes',
      ],
      { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
    )
    expect(reissue.code).toBe(0)

    const out = await fixture.readOutputs((e) => e.onchain.length >= 2)
    const generation1 = out.issued.find((e) => e.generation === 1)!
    expect(generation1.coreClaimHash).not.toBe(generation0.coreClaimHash)
    const calls = fixture.issueCalls().slice(1)
    expect(calls.map((c) => [c.onDuplicate, c.outcome, c.action])).toEqual([
      ['revoke', 'answered', null],
      ['ignore', 'answered', 'returned-existing'],
      ['revoke', 'answered', 'reissued'],
    ])
    expect(live.relay.readiness().ready).toBe(true)
  }, 90_000)
})
