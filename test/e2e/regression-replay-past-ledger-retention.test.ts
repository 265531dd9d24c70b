import { describe, expect, it } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a replay of records whose ledger entries retention deleted', () => {
  it('is named by the dry run and refused unless --allow-past-retention is given', async () => {
    // The failure: a replay of input records whose ledger entries were gone issued them again,
    // silently. The dry run said "would issue 5" with no hint why, and the replay banner said a
    // replay of what the relay processed issues nothing. DeleteRecords up to the end does to the
    // ledger partition what retention does to a quiet one.
    const fixture = await startRelayFixture({ partitions: 1 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(5))
    const live = await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 5)
    await live.stop()
    const logStart = await fixture.emptyIssueLedger()
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const replay = (...more: string[]) =>
      runCli(['replay', '--config', config, '--topic', fixture.topics.kyc, ...more], env)
    const where = `partition 0: offsets 0 → 5 (5 records): the ledger partition is empty, its log starts at offset ${logStart}`

    const dry = await replay('--dry-run')
    expect(dry.code).toBe(0)
    expect(dry.output).toMatch(/would issue\s+5\b/)
    expect(dry.output).toContain('Warning: the ledger may no longer know 5 records of this range')
    expect(dry.output).toContain(where)
    expect(dry.output).toContain('refused unless it is given --allow-past-retention')

    const refused = await replay()
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('[REPLAY_PAST_LEDGER_RETENTION]')
    expect(refused.output).toContain(where)
    expect(refused.output).toContain('this replay would issue them AGAIN')
    expect(fixture.issueCalls()).toHaveLength(5)

    // Given on purpose, the flag issues them again, and the banner says so.
    const allowed = await replay('--allow-past-retention')
    expect(allowed.code).toBe(0)
    expect(allowed.output).toContain('!! --allow-past-retention: the ledger may no longer know 5')
    expect(allowed.output).not.toContain('issues nothing')
    expect(allowed.output).toMatch(/issued\s+5\b/)
    expect(fixture.issueCalls()).toHaveLength(10)
  }, 90_000)
})
