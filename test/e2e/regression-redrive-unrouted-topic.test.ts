import { describe, expect, it } from 'vitest'
import { deepMerge, relayWithConsentFailure } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a redrive of failures whose input topic no route reads any more', () => {
  it('names each such failure, its topic and the fix, and the real run exits 1', async () => {
    // The failure: the redrive left out a credential.failed whose source topic no configured
    // route reads (the route was removed from the config since), without a word: "1 failed
    // events …; 0 selected", exit 0, and the operator could not tell why the counts did not add up.
    const { fixture, relay: live } = await relayWithConsentFailure()
    await live.stop()
    fixture.sandbox.sandbox.setConsentRejected('late@example.com', false)
    const routes = fixture.rawConfig.routes as { name: string }[]
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, { routes: routes.filter((r) => r.name !== 'kyc') }),
    )
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const redrive = (...more: string[]) => runCli(['redrive', '--config', config, ...more], env)
    const named = `retry 1 record of ${fixture.topics.kyc}: no route of this config reads the topic any more; add its route back to routes[], or redrive with a config that has it`

    const dry = await redrive('--dry-run')
    expect(dry.output).toMatch(/1 failed event.*; 1 selected \(1 input record\)/)
    expect(dry.output).toContain('1 input record cannot be redriven:')
    expect(dry.output).toContain(named)
    // A dry run reports as it does records retention deleted: listed, exit 0.
    expect(dry.code, dry.output).toBe(0)

    const real = await redrive()
    expect(real.output).toContain(named)
    expect(real.output).toContain(
      '1 input record could not be redriven: no route of this config reads its topic.',
    )
    expect(real.code, real.output).toBe(1)
    expect(fixture.issueCalls().filter((c) => c.applied)).toHaveLength(0)
  }, 120_000)
})
