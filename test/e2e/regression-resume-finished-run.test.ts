import { describe, expect, it } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

/**
 * The state an interrupted replay leaves in Kafka: its group (`<groupId>.<run id>`) holds the
 * offsets its transactions committed. Written here with the admin so the test does not depend
 * on when a Ctrl-C lands.
 */
async function interruptedRun(
  fixture: Awaited<ReturnType<typeof startRelayFixture>>,
  runId: string,
  committed: readonly { partition: number; offset: string }[],
): Promise<string> {
  const admin = await fixture.env.admin()
  const groupId = `${fixture.groupId}.${runId}`
  await admin.setOffsets({ groupId, topic: fixture.topics.kyc, partitions: [...committed] })
  return groupId
}

describe('regression: resuming a replay whose earlier attempt had finished its range', () => {
  it('ends at once with its summary, and removes the run group, instead of waiting at 0% forever', async () => {
    // The failure: Ctrl-C after a run had committed everything, then the printed resume line
    // showed "replay 0% 0/10" until killed. The wait needed a record fetched at or past the end
    // of each partition, and an idle partition has none.
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const admin = await fixture.env.admin()
    const ends = await admin.fetchTopicOffsets(fixture.topics.kyc)
    const runId = 'replay-20261127000000-abcdef'
    const groupId = await interruptedRun(
      fixture,
      runId,
      ends.map((p) => ({ partition: p.partition, offset: p.high })),
    )
    const range = ends.map((p) => `${p.partition}:0`).join(',')
    const to = ends.map((p) => `${p.partition}:${p.high}`).join(',')
    const config = await writeRelayConfig(fixture.rawConfig)

    const resumed = await runCli(
      [
        'replay',
        '--config',
        config,
        '--topic',
        fixture.topics.kyc,
        '--run-id',
        runId,
        '--from',
        range,
        '--to',
        to,
      ],
      { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
    )
    expect(resumed.code).toBe(0)
    expect(resumed.output).toMatch(/^\s+records in range\s+10\b/m)
    expect(resumed.output).toMatch(/^\s+issued\s+0\b/m)
    expect(resumed.output).not.toContain('Resume with')
    expect(fixture.issueCalls()).toHaveLength(0)
    const { groups } = await admin.listGroups()
    expect(groups.map((g) => g.groupId)).not.toContain(groupId)
  }, 60_000)
})
