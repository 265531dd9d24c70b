import { describe, expect, it, vi } from 'vitest'
import { expectOneAppliedRevokePerKey } from '../support/one-revoke-per-key.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a replay or redrive started while another runs', () => {
  it('is refused, naming the run, and nothing is issued twice', async () => {
    // The failure: nothing stopped a second range run. Two replays or redrives of the same
    // topic each issued every key (two applied "revoke" calls per key), and a second process
    // under the same --run-id split the run's partitions with the first, both hanging forever.
    const fixture = await startRelayFixture({
      partitions: 1,
      config: { moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 } },
    })
    const count = 4
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(count))
    // Slow calls keep the first run running while the others start.
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 6_000 } } })
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const replay = (...more: string[]) => [
      'replay',
      '--config',
      config,
      '--topic',
      fixture.topics.kyc,
      '--to',
      'latest',
      ...more,
    ]
    const first = spawnCli(replay('--run-id', 'first-run'), env, 'first-run')
    const admin = await fixture.env.admin()
    await vi.waitFor(
      async () => {
        const { groups } = await admin.describeGroups([`${fixture.groupId}.first-run`])
        expect(groups[0]?.members.length).toBe(1)
      },
      { timeout: 30_000, interval: 200 },
    )

    const second = await runCli(replay(), env)
    expect(second.code).toBe(1)
    expect(second.output).toContain('[RANGE_RUN_ACTIVE]')
    expect(second.output).toContain(
      'another replay or redrive of this relay is running: run first-run',
    )
    expect(second.output).toContain('this one did not start')

    const same = await runCli(replay('--run-id', 'first-run'), env)
    expect(same.code).toBe(1)
    expect(same.output).toContain('[RANGE_RUN_ACTIVE]')
    expect(same.output).toContain('run first-run is already running')

    // A dry run calls nothing: it may look beside a running run.
    const dry = await runCli(replay('--dry-run'), env)
    expect(dry.code).toBe(0)

    expect(await first.exited).toBe(0)
    expectOneAppliedRevokePerKey(fixture, count)
    const out = await fixture.readOutputs((e) => e.issued.length >= count)
    expect(out.issued).toHaveLength(count)
  }, 120_000)

  it('two redrives started at the same instant issue each key once between them', async () => {
    // The reviewer's case: two `redrive --reason MOCA_CONSENT_REJECTED` started together each
    // issued every key (two applied "revoke" calls per key, credential.issued twice). Now one
    // is refused at start or fenced by the other; either way each key is issued once.
    const count = 4
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: {
        config: {
          users: Array.from({ length: count }, (_, i) => ({
            email: `u${i}@example.com`,
            consentRejected: true,
          })),
        },
      },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(count))
    await fixture.startRelay()
    await fixture.readOutputs((e) => e.failed.length >= count)
    for (let i = 0; i < count; i++)
      fixture.sandbox.sandbox.setConsentRejected(`u${i}@example.com`, false)
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 1_500 } } })
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const redrive = () =>
      runCli(['redrive', '--config', config, '--reason', 'MOCA_CONSENT_REJECTED'], env)

    const runs = await Promise.all([redrive(), redrive()])
    for (const r of runs) {
      if (r.code === 0) continue
      expect(r.code).toBe(1)
      expect(r.output).toMatch(/\[RANGE_RUN_ACTIVE\]|another replay or redrive of this relay/)
    }
    expect(runs.some((r) => r.code === 0)).toBe(true)
    const out = await fixture.readOutputs((e) => e.issued.length >= count)
    expectOneAppliedRevokePerKey(fixture, count)
    expect(out.issued).toHaveLength(count)
  }, 120_000)
})
