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

/** The resume line an interrupted replay of the kyc topic prints, run with the built CLI. */
async function resume(
  fixture: Awaited<ReturnType<typeof startRelayFixture>>,
  runId: string,
  range: { readonly from: string; readonly to: string },
): ReturnType<typeof runCli> {
  const config = await writeRelayConfig(fixture.rawConfig)
  return runCli(
    [
      'replay',
      '--config',
      config,
      '--topic',
      fixture.topics.kyc,
      '--run-id',
      runId,
      '--from',
      range.from,
      '--to',
      range.to,
    ],
    { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
  )
}

describe('regression: resuming an interrupted replay', () => {
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
    const resumed = await resume(fixture, runId, {
      from: ends.map((p) => `${p.partition}:0`).join(','),
      to: ends.map((p) => `${p.partition}:${p.high}`).join(','),
    })
    expect(resumed.code).toBe(0)
    expect(resumed.output).toMatch(/^\s+records in range\s+10\b/m)
    expect(resumed.output).toMatch(/^\s+done by an earlier attempt\s+10\b/m)
    expect(resumed.output).toMatch(/^\s+issued\s+0\b/m)
    expect(resumed.output).not.toContain('Resume with')
    expect(fixture.issueCalls()).toHaveLength(0)
    const { groups } = await admin.listGroups()
    expect(groups.map((g) => g.groupId)).not.toContain(groupId)
  }, 60_000)

  it('accounts in its summary for the records the interrupted attempt committed', async () => {
    // The failure: a reissue resumed after kill -9 printed "records in range 30 / issued 15 /
    // already done 0 / failed 0": the 15 records its first attempt committed were in no row.
    const fixture = await startRelayFixture({ partitions: 1 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const runId = 'replay-20261127000000-fedcba'
    await interruptedRun(fixture, runId, [{ partition: 0, offset: '4' }])
    const resumed = await resume(fixture, runId, { from: '0:0', to: '0:10' })
    expect(resumed.code).toBe(0)
    const row = (label: string) =>
      Number(new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(resumed.output)?.[1])
    expect(row('records in range')).toBe(10)
    expect(row('done by an earlier attempt')).toBe(4)
    expect(row('issued')).toBe(6)
    expect(row('already done') + row('failed') + row('skipped \\(filter, no route\\)')).toBe(0)
    expect(fixture.issueCalls()).toHaveLength(6)
  }, 60_000)
})
