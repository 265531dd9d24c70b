import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { describeCrash, runRange, type RangeRunResult } from '../../src/cli/range-run.js'
import { parseConfig } from '../../src/config/load-config.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { replayPolicy } from '../../src/pipeline/ledger-policy.js'
import { expectOneAppliedRevokePerKey } from '../support/one-revoke-per-key.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

describe('regression: two range runs over the same partition at the same instant', () => {
  it('never both call MocaChain for one key: the second fences the first, which stops', async () => {
    // The failure: each range run had transactional ids of its own (`<groupId>.<runId>.issue…`),
    // so neither fenced the other, and each trusted the ledger it restored at start: two replays
    // (or redrives) started together both issued every key — two applied "revoke" calls per key,
    // and credential.issued published twice. Here both start in one process, past any check at
    // start, with MocaChain slow enough that their calls overlap.
    const fixture = await startRelayFixture({ partitions: 1 })
    const count = 12
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(count))
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 500 } } })
    const loaded = parseConfig(fixture.rawConfig, {
      env: { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
      configPath: `${process.cwd()}/test-relay.yaml`,
    })
    const run = (runId: string): Promise<RangeRunResult> =>
      runRange({
        loaded,
        logger: createSilentLogger(),
        topic: fixture.topics.kyc,
        from: new Map([[0, 0]]),
        to: new Map([[0, count]]),
        runId,
        ledgerPolicy: replayPolicy(runId),
        dryRun: false,
        out: new PassThrough().resume(),
        label: 'replay',
        signal: new AbortController().signal,
      })
    const results = await Promise.all([run('replay-a'), run('replay-b')])

    // Whichever fenced the other finished the range; the fenced one stopped and says why.
    const stopped = results.filter((r) => !r.completed)
    expect(stopped.length).toBeLessThanOrEqual(1)
    for (const r of stopped) {
      expect(describeCrash(r.crashed)).toContain('another replay or redrive of this relay')
    }
    const out = await fixture.readOutputs((e) => e.issued.length >= count)
    expectOneAppliedRevokePerKey(fixture, count)
    expect(out.issued).toHaveLength(count)
    expect(new Set(out.issued.map((e) => e.id)).size).toBe(count)
  }, 90_000)
})
