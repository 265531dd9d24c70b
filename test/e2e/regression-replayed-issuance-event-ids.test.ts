import { describe, expect, it } from 'vitest'
import {
  distinctUserEvents,
  relayWithTimedOutCredential,
  startRelayFixture,
  type RelayFixture,
} from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a credential a replay issues again', () => {
  it('is published under event ids of its own, not those of the credential it replaced', async () => {
    // The failure: a replay past ledger retention (--allow-past-retention) issued each key again
    // with "revoke", a new credential with a new coreClaimHash, and published its
    // credential.issued and credential.onchain under the same ids as the first credential's
    // (`<key>:issued`, `<key>:onchain`). A consumer that deduplicates on id, as
    // schemas/README.md tells it to, dropped both and kept the revoked credential as current.
    const fixture = await startRelayFixture({ partitions: 1 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(2))
    await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 2)
    await fixture.emptyIssueLedger()
    await replayPastRetention(fixture)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 4)

    expect(fixture.issueCalls().filter((c) => c.applied)).toHaveLength(4)
    expect(new Set(out.issued.map((e) => e.coreClaimHash)).size).toBe(4)
    expect(new Set(out.issued.map((e) => e.id)).size).toBe(4)
    expect(new Set(out.onchain.map((e) => e.id)).size).toBe(4)
    const ceIds = out.records.map((r) => String(r.headers.ce_id))
    expect(new Set(ceIds).size).toBe(ceIds.length)
  }, 90_000)

  it('is confirmed, although the credential it replaced timed out under the same key', async () => {
    // The failure: the confirm ledger keyed its entries by idempotency key and generation only.
    // The first credential's CONFIRM_FAILED entry (CONFIRM_TIMEOUT) was still in the confirm
    // ledger when the issue ledger had lost the key (its partition emptied by retention): the
    // replay issued a new credential, and the confirm stage took its confirm request for the old
    // one's, settled, and skipped it. The new credential got credential.issued and then nothing.
    const fixture = await relayWithTimedOutCredential()
    await fixture.emptyIssueLedger()
    await replayPastRetention(fixture)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1, 30_000)

    expect(out.issued).toHaveLength(2)
    expect(out.failed.map((e) => e.failure.code)).toEqual(['CONFIRM_TIMEOUT'])
    expect(out.onchain).toMatchObject([{ coreClaimHash: out.issued[1]!.coreClaimHash }])
  }, 90_000)
})

/** The kyc topic replayed with --allow-past-retention, through the built CLI; it must exit 0. */
async function replayPastRetention(fixture: RelayFixture): Promise<void> {
  const config = await writeRelayConfig(fixture.rawConfig)
  const replay = await runCli(
    ['replay', '--config', config, '--topic', fixture.topics.kyc, '--allow-past-retention'],
    { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
  )
  expect(replay.code, replay.output).toBe(0)
}
