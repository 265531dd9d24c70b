import { describe, expect, it } from 'vitest'
import { relayWithTimedOutCredential } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a redrive of a CONFIRM_TIMEOUT whose credential was reissued since', () => {
  it('re-polls nothing: the credential that replaced it is not confirmed a second time', async () => {
    // The failure: the redrive re-polled whatever credential the issue ledger held for the record,
    // not the one that timed out. After `replay --reissue` the ledger held generation 1, already
    // confirmed (its ONCHAIN entry is not kept: a first confirmation's entry dedupes nothing, it
    // was assumed); the redrive queued it again and the confirm stage published its
    // credential.onchain a second time, under the same id.
    const fixture = await relayWithTimedOutCredential()
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const reissue = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--reissue'],
      env,
    )
    expect(reissue.code, reissue.output).toBe(0)
    await fixture.readOutputs((e) => e.onchain.length >= 1)

    const redrive = await runCli(['redrive', '--config', config], env)
    expect(redrive.code, redrive.output).toBe(0)
    expect(redrive.output).not.toMatch(/re-polled\s+[1-9]/)
    expect(redrive.output).toMatch(/already done\s+1\b/)
    // What a second credential.onchain would need: the confirm stage's usual time and more.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    expect(out.onchain).toHaveLength(1)
    expect(out.onchain[0]).toMatchObject({ generation: 1 })
  }, 120_000)
})
