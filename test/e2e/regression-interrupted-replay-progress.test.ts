import { readFile } from 'node:fs/promises'
import { describe, expect, it, vi } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: the last progress line of an interrupted replay', () => {
  it('counts the calls the stop drained, as the summary under it does', async () => {
    // The failure: the last progress line was printed before the stop drained the calls in
    // flight, so it said "issued 0" right above a summary that said "issued 3".
    const fixture = await startRelayFixture({
      partitions: 1,
      config: { moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 } },
    })
    fixture.sandbox.sandbox.setFaults({ issue: { latency: { fixedMs: 4_000 } } })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(3))
    const config = await writeRelayConfig(fixture.rawConfig)
    const replay = spawnCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest'],
      { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
      'replay-interrupted-progress',
    )
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
    const lastProgress = progressLines.at(-1) ?? ''
    expect(lastProgress).toMatch(/ 3\/3 .* issued 3, already done 0, failed 0$/)
  }, 90_000)
})
