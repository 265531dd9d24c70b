import { describe, expect, it } from 'vitest'
import { produceSameContentOnTwoPartitions, startRelayFixture } from '../support/relay-fixture.js'

describe('regression: the same content on two input partitions', () => {
  it('publishes the two credentials it issues under ids of their own', async () => {
    // The failure: the ledger dedupes within an input partition (docs/architecture.md), so the
    // same content on two partitions is issued twice under one idempotency key, and MocaChain's
    // "revoke" leaves the user the second credential. Both credential.issued events had the id
    // `<key>:issued` and both credential.onchain events `<key>:onchain`: a consumer that
    // deduplicates on id, as schemas/README.md tells it to, kept the revoked credential.
    const fixture = await startRelayFixture({ partitions: 2 })
    await produceSameContentOnTwoPartitions(fixture)
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= 2)

    expect(new Set(out.issued.map((e) => e.idempotencyKey)).size).toBe(1)
    expect(new Set(out.issued.map((e) => e.coreClaimHash)).size).toBe(2)
    expect(new Set(out.issued.map((e) => e.id)).size).toBe(2)
    expect(new Set(out.onchain.map((e) => e.id)).size).toBe(2)
  }, 60_000)
})
