import { describe, expect, it, vi } from 'vitest'
import { deepMerge, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

const kycEvent = (i: number, email = `user${i % 5}@example.com`) => ({
  key: `user-${i % 5}`,
  value: JSON.stringify({ user: { email }, level: i }),
})

describe('moca-relay replay and redrive, as an operator runs them', () => {
  it('a dry-run replay reports 0 to issue, a replay issues nothing, --reissue issues a new generation', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(
      fixture.topics.kyc,
      Array.from({ length: 30 }, (_, i) => kycEvent(i)),
    )
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }

    // Before the live relay ran, every key is new: a dry run says so, and calls nothing.
    const before = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest', '--dry-run'],
      env,
    )
    expect(before.code, before.output).toBe(0)
    expect(before.output).toMatch(/^\s+would issue\s+30\b/m)
    expect(fixture.issueCalls()).toHaveLength(0)

    const live = await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 30)

    const dry = await runCli(
      [
        'replay',
        '--config',
        config,
        '--topic',
        fixture.topics.kyc,
        '--from',
        'earliest',
        '--dry-run',
      ],
      env,
    )
    expect(dry.code).toBe(0)
    expect(dry.output).toMatch(/would issue\s+0\b/)
    expect(dry.output).toMatch(/already done\s+30\b/)

    const replay = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--from', 'earliest'],
      env,
    )
    expect(replay.code).toBe(0)
    expect(replay.output).toMatch(/issued\s+0\b/)
    expect(fixture.issueCalls()).toHaveLength(30)

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
      env,
    )
    expect(reissue.code).toBe(0)
    expect(reissue.output).toContain('issued AGAIN')
    expect(reissue.output).toMatch(/issued\s+30\b/)
    // The live relay's confirm stage confirms the new generation.
    const out = await fixture.readOutputs((e) => e.onchain.length >= 60)
    expect(out.issued.filter((e) => e.generation === 1)).toHaveLength(30)
    expect(
      fixture
        .issueCalls()
        .slice(30)
        .every((c) => c.onDuplicate === 'revoke'),
    ).toBe(true)
    expect(live.relay.readiness().ready).toBe(true)
  }, 90_000)

  it('refuses a replay past what the running live relay committed: those records are still its own', async () => {
    // Calls outlast the test's usual 1.5 s timeout here, and must not be cut short.
    const fixture = await startRelayFixture({
      partitions: 1,
      config: { moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 } },
    })
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const live = await fixture.startRelay()
    // Slow issue calls hold the live relay's records in flight, so it commits nothing yet.
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 8_000 } } })
    await fixture.produce(
      fixture.topics.kyc,
      Array.from({ length: 5 }, (_, i) => kycEvent(i)),
    )
    const kyc = () => live.relay.partitions.issue.find((p) => p.topic === fixture.topics.kyc)
    await vi.waitFor(() => expect(kyc()?.inFlight).toBe(5), { timeout: 30_000, interval: 100 })

    const past = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest'],
      env,
    )
    expect(past.code).toBe(1)
    expect(past.output).toContain('[REPLAY_PAST_LIVE]')
    expect(past.output).toContain('partition 0 to 5, committed 0')
    expect(past.output).toContain('Keep --to at live')
    // A dry run calls nothing, so it may look ahead.
    const dry = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest', '--dry-run'],
      env,
    )
    expect(dry.code).toBe(0)

    const out = await fixture.readOutputs((e) => e.onchain.length >= 5)
    expect(out.issued).toHaveLength(5)
    expect(new Set(fixture.issueCalls().map((c) => c.idempotencyKey)).size).toBe(5)
    expect(fixture.issueCalls()).toHaveLength(5)
  }, 60_000)

  it('redrives failures once their cause is fixed: a consent given, a confirmation that timed out', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { config: { users: [{ email: 'late@example.com', consentRejected: true }] } },
      config: { confirm: { deadline: 2_000 } },
    })
    await fixture.produce(fixture.topics.kyc, [kycEvent(1), kycEvent(2, 'late@example.com')])
    await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 1 && e.failed.length >= 1)
    // Credentials stop reaching ONCHAIN: the next one times out in the confirm stage.
    fixture.sandbox.sandbox.updateSettings({ stuck: true })
    await fixture.produce(fixture.topics.kyc, [kycEvent(3)])
    const before = await fixture.readOutputs((e) => e.failed.length >= 2)
    expect(before.failed.map((f) => f.failure.code).sort()).toEqual([
      'CONFIRM_TIMEOUT',
      'MOCA_CONSENT_REJECTED',
    ])

    // The user consents again and the chain recovers; the operator redrives.
    fixture.sandbox.sandbox.setConsentRejected('late@example.com', false)
    fixture.sandbox.sandbox.updateSettings({ stuck: false })
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, { confirm: { deadline: 2_000 } }),
    )
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    // --reason picks only the failures with that code: the consent, not the timed-out confirmation.
    const consentOnly = await runCli(
      ['redrive', '--config', config, '--reason', 'MOCA_CONSENT_REJECTED', '--dry-run'],
      env,
    )
    expect(consentOnly.code).toBe(0)
    expect(consentOnly.output).toMatch(/2 failed events on .*; 1 selected/)
    expect(consentOnly.output).toMatch(/^\s+would issue\s+1\b/m)
    expect(consentOnly.output).not.toContain('re-poll')

    const dry = await runCli(['redrive', '--config', config, '--dry-run'], env)
    expect(dry.code).toBe(0)
    expect(dry.output).toMatch(/would issue\s+1\b/)
    expect(dry.output).toMatch(/would re-poll\s+1\b/)

    const redrive = await runCli(['redrive', '--config', config], env)
    expect(redrive.code).toBe(0)
    const after = await fixture.readOutputs((e) => e.onchain.length >= 3)
    expect(after.issued).toHaveLength(3)
    expect(after.onchain).toHaveLength(3)
    // Each key issued once: the redrive did not call issue for the credential that only timed out.
    expect(fixture.issueCalls().filter((c) => c.applied)).toHaveLength(3)
  }, 60_000)

  it('says which failed records cannot be redriven because retention deleted them, and exits 1', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: {
        config: {
          users: [
            { email: 'gone@example.com', consentRejected: true },
            { email: 'kept@example.com', consentRejected: true },
          ],
        },
      },
    })
    await fixture.produce(fixture.topics.kyc, [
      kycEvent(0, 'gone@example.com'),
      kycEvent(1, 'kept@example.com'),
    ])
    await fixture.startRelay()
    await fixture.readOutputs((e) => e.failed.length >= 2)
    // Retention (here by hand) deletes the first record; both users then consent.
    const admin = await fixture.env.admin()
    // (fetching the offsets first loads the topic's metadata, which deleteTopicRecords needs)
    await admin.fetchTopicOffsets(fixture.topics.kyc)
    await admin.deleteTopicRecords({
      topic: fixture.topics.kyc,
      partitions: [{ partition: 0, offset: '1' }],
    })
    fixture.sandbox.sandbox.setConsentRejected('gone@example.com', false)
    fixture.sandbox.sandbox.setConsentRejected('kept@example.com', false)
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }

    const redrive = await runCli(['redrive', '--config', config], env)
    expect(redrive.output).toContain('1 input record cannot be redriven')
    expect(redrive.output).toContain(
      `retry 1 record of ${fixture.topics.kyc} partition 0: no longer in the topic (it starts at offset 1 now`,
    )
    expect(redrive.output).toMatch(/^\s+issued\s+1\b/m)
    expect(redrive.output).toContain(
      '1 input record could not be redriven: Kafka no longer holds it.',
    )
    expect(redrive.code).toBe(1)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    expect(out.issued).toHaveLength(1)
  }, 60_000)
})
