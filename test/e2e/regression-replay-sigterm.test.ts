import { readFile } from 'node:fs/promises'
import { describe, expect, it, vi } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a replay stopped by SIGTERM', () => {
  it('stops cleanly and exits 143 (128 + SIGTERM), not 130 as for Ctrl-C', async () => {
    // The failure: `kill <replay>` (what a pod's stop or a supervisor sends) exited 130, the code
    // of SIGINT, so a script could not tell a Ctrl-C from a termination.
    const fixture = await startRelayFixture({
      partitions: 1,
      config: { moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 } },
    })
    // Slow issue calls keep the replay running until it is stopped.
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 8_000 } } })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(3))
    const config = await writeRelayConfig(fixture.rawConfig)
    const replay = spawnCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest'],
      { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
      'replay-sigterm',
    )
    // Printed just before the replay starts listening for signals.
    await vi.waitFor(
      async () =>
        expect(await readFile(replay.logFile, 'utf8')).toContain(
          'Keys the ledger knows are skipped',
        ),
      { timeout: 30_000, interval: 100 },
    )
    replay.kill('SIGTERM')
    expect(await replay.exited).toBe(143)
    expect(await readFile(replay.logFile, 'utf8')).toContain(
      'Interrupted. Resume with: moca-relay replay',
    )
  }, 60_000)
})
