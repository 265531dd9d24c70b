import { describe, expect, it } from 'vitest'
import { relayWithTimedOutCredential } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a redrive re-poll whose issue ledger entry retention deleted', () => {
  it('says the credential cannot be re-polled, why, and what to do; the real run exits 1', async () => {
    // The failure: a CONFIRM_TIMEOUT redriven re-polls the credential the issue ledger holds for
    // its record. With that entry gone (retention, compaction) the record was skipped and counted
    // as "already done — the ledger has them", exit 0: the operator was told the opposite of what
    // happened, and the credential stayed unconfirmed.
    const fixture = await relayWithTimedOutCredential()
    await fixture.emptyIssueLedger()
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const redrive = (...more: string[]) => runCli(['redrive', '--config', config, ...more], env)
    const why = `1 re-poll of ${fixture.topics.kyc} cannot be done: the issue ledger no longer has its entry (retention or compaction deleted it), so the relay does not know which credential to poll.`
    const what = `Its failure stays on ${fixture.topics.failed}: look its credential up on MocaChain (the failure names its idempotencyKey and coreClaimHash); if it never landed, issue that record again alone with moca-relay replay --topic ${fixture.topics.kyc} --from PARTITION:OFFSET --to PARTITION:OFFSET+1 --reissue (the failure's source names them).`

    const dry = await redrive('--dry-run')
    expect(dry.output).not.toMatch(/already done\s+1\b/)
    expect(dry.output).toMatch(/^\s+ledger entry gone\s+1\b/m)
    expect(dry.output).toContain(why)
    expect(dry.output).toContain(what)
    expect(dry.code, dry.output).toBe(0)

    const real = await redrive()
    expect(real.output).not.toMatch(/already done\s+1\b/)
    expect(real.output).toMatch(/^\s+ledger entry gone\s+1\b/m)
    expect(real.output).toContain(why)
    expect(real.output).toContain(what)
    expect(real.code, real.output).toBe(1)
  }, 120_000)
})
