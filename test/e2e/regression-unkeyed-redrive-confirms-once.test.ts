import { describe, expect, it } from 'vitest'
import { relayWithTimedOutCredential } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: two redrives of an unkeyed record whose confirmation timed out', () => {
  it('confirm its credential once: one credential.onchain, not one per redrive', async () => {
    // The failure: a confirm request took its input record's key, and an unkeyed record's
    // requests went round-robin over the confirm-queue partitions. A redrive's re-poll is settled
    // by the ONCHAIN entry an earlier redrive's re-poll left in the confirm ledger, but only on
    // the same partition: on another one (7 chances in 8 here) the credential was polled and its
    // credential.onchain published again.
    const fixture = await relayWithTimedOutCredential({ key: null, outputPartitions: 8 })
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }

    const first = await runCli(['redrive', '--config', config], env)
    expect(first.code, first.output).toBe(0)
    expect(first.output).toMatch(/re-polled\s+1\b/)
    await fixture.readOutputs((e) => e.onchain.length >= 1)

    const second = await runCli(['redrive', '--config', config], env)
    expect(second.code, second.output).toBe(0)
    // What a second credential.onchain would need: the confirm stage's usual time and more.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    expect(out.onchain).toHaveLength(1)
    // The input had no key; neither have the events about it.
    expect(out.records.filter((r) => r.key !== null)).toEqual([])
  }, 120_000)
})
