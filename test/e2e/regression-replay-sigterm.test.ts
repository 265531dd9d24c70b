import { readFile } from 'node:fs/promises'
import { describe, expect, it, vi } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

/** A replay of three events whose issue calls MocaChain answers after `issueLatencyMs`. */
async function slowReplay(name: string, issueLatencyMs: number) {
  const fixture = await startRelayFixture({
    partitions: 1,
    config: { moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 } },
  })
  fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: issueLatencyMs } } })
  await fixture.produce(fixture.topics.kyc, distinctUserEvents(3))
  const config = await writeRelayConfig(fixture.rawConfig)
  const replay = spawnCli(
    ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest'],
    { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
    name,
  )
  return { fixture, replay }
}

describe('regression: a replay stopped by SIGTERM', () => {
  it('stops cleanly and exits 143 (128 + SIGTERM), not 130 as for Ctrl-C', async () => {
    // The failure: `kill <replay>` (what a pod's stop or a supervisor sends) exited 130, the code
    // of SIGINT, so a script could not tell a Ctrl-C from a termination.
    // Slow issue calls keep the replay running until it is stopped.
    const { replay } = await slowReplay('replay-sigterm', 8_000)
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

  it('prints a last progress line that counts the calls the stop drained, as the summary does', async () => {
    // The failure: the last progress line was printed before the stop drained the calls in
    // flight, so it said "issued 0" right above a summary that said "issued 3".
    const { fixture, replay } = await slowReplay('replay-interrupted-progress', 4_000)
    // Stopped while all three calls are at MocaChain: the stop drains them.
    await vi.waitFor(() => expect(fixture.sandbox.sandbox.stats().issue.inFlight).toBe(3), {
      timeout: 30_000,
      interval: 50,
    })
    replay.kill('SIGTERM')
    expect(await replay.exited).toBe(143)

    const output = await readFile(replay.logFile, 'utf8')
    expect(output).toContain('Interrupted. Resume with: moca-relay replay')
    const summaryIssued = /^ {2}issued\s+(\d+)\s+new credentials$/m.exec(output)?.[1]
    expect(summaryIssued).toBe('3')
    const progressLines = output.split('\n').filter((l) => /^replay .* issued \d+, /.test(l))
    expect(progressLines.at(-1) ?? '').toMatch(/ 3\/3 .* issued 3, already done 0, failed 0$/)
  }, 90_000)
})
