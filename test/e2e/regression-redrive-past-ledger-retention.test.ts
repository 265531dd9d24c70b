import { describe, expect, it } from 'vitest'
import { relayWithConsentFailure } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a redrive of failures whose ledger entries retention deleted', () => {
  it('is refused unless --allow-past-retention is given, and named by the dry run', async () => {
    // The failure: credential.failed keeps a failure after a redrive issued its record, and a
    // later redrive selects it again. While the ledger knows the key as issued it is skipped; once
    // retention deleted that entry the redrive issued the record AGAIN (onDuplicate "revoke": the
    // user's credential replaced), silently. DeleteRecords up to the end does to the ledger
    // partition what retention does to a quiet one.
    const { fixture, relay: live } = await relayWithConsentFailure()
    fixture.sandbox.sandbox.setConsentRejected('late@example.com', false)
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const redrive = (...more: string[]) => runCli(['redrive', '--config', config, ...more], env)

    const first = await redrive()
    expect(first.code, first.output).toBe(0)
    expect(first.output).toMatch(/^\s+issued\s+1\b/m)
    const issued = () => fixture.issueCalls().filter((c) => c.applied)
    expect(issued()).toHaveLength(1)
    await live.stop()
    const logStart = await fixture.emptyIssueLedger()
    const where = `${fixture.topics.kyc} partition 0: offsets 0 → 1 (1 record): the ledger partition is empty, its log starts at offset ${logStart}`

    // The failure is still on credential.failed: a second redrive selects it again.
    const refused = await redrive()
    expect(issued(), refused.output).toHaveLength(1)
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('[REDRIVE_PAST_LEDGER_RETENTION]')
    expect(refused.output).toContain(where)
    expect(refused.output).toContain('this redrive would issue them AGAIN')
    expect(refused.output).toContain('--allow-past-retention')

    const dry = await redrive('--dry-run')
    expect(dry.code, dry.output).toBe(0)
    expect(dry.output).toMatch(/would issue\s+1\b/)
    expect(dry.output).toContain('Warning: the ledger may no longer know 1 record of this redrive')
    expect(dry.output).toContain(where)
    expect(dry.output).toContain('refused unless it is given --allow-past-retention')

    // Given on purpose, the flag issues it again, and the banner says so.
    const allowed = await redrive('--allow-past-retention')
    expect(allowed.code, allowed.output).toBe(0)
    expect(allowed.output).toContain('!! --allow-past-retention: the ledger may no longer know 1')
    expect(allowed.output).toMatch(/^\s+issued\s+1\b/m)
    expect(issued()).toHaveLength(2)
  }, 120_000)
})
