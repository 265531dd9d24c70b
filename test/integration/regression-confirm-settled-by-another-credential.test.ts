import { describe, expect, it } from 'vitest'
import { produceSameContentOnTwoPartitions, startRelayFixture } from '../support/relay-fixture.js'

describe("regression: a confirm request read after another credential's under the same key", () => {
  it('is confirmed on its own, not settled by the other credential', async () => {
    // The failure: the confirm ledger settled a request by idempotency key alone. The same content
    // on two input partitions is two credentials under one key (docs/architecture.md, "Dedupe
    // scope"); with fewer confirm-queue partitions than input partitions both requests can share
    // a queue partition, and the first one's CONFIRM_FAILED settled the second: that credential
    // got credential.issued and then nothing, neither credential.onchain nor credential.failed.
    const fixture = await startRelayFixture({
      partitions: 2,
      config: { topics: { partitions: 1 }, confirm: { deadline: 1_000 } },
    })
    fixture.sandbox.sandbox.updateSettings({ stuck: true })
    await produceSameContentOnTwoPartitions(fixture)
    await fixture.startRelay()
    const out = await fixture.readOutputs(
      (e) => e.issued.length >= 2 && e.failed.length >= 2,
      30_000,
    )

    expect(new Set(out.issued.map((e) => e.idempotencyKey)).size).toBe(1)
    expect(out.failed.map((e) => e.failure.code)).toEqual(['CONFIRM_TIMEOUT', 'CONFIRM_TIMEOUT'])
    expect(new Set(out.failed.map((e) => e.coreClaimHash))).toEqual(
      new Set(out.issued.map((e) => e.coreClaimHash)),
    )
  }, 60_000)
})
