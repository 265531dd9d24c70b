import { describe, expect, it } from 'vitest'
import { deepMerge, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('kill -9 of the relay process mid-stream', () => {
  it('restarts with no loss, no duplicate output and no second revoke, three kills in a row', async () => {
    const fixture = await startRelayFixture({
      partitions: 3,
      sandbox: { faults: { issue: { latency: { uniformMs: { min: 10, max: 60 } } } } },
    })
    const total = 600
    await fixture.produce(
      fixture.topics.kyc,
      Array.from({ length: total }, (_, i) => ({
        key: `user-${i % 40}`,
        value: JSON.stringify({ user: { email: `user${i % 40}@example.com` }, level: i }),
      })),
    )
    const config = await writeRelayConfig(deepMerge(fixture.rawConfig, { log: { level: 'info' } }))
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }

    // Kill at three different depths of the stream: each time some calls are in flight, some
    // intents are committed without outcomes, and some outcomes are committed past the watermark.
    for (const afterCalls of [60, 220, 400]) {
      const relay = spawnCli(['run', '--config', config], env, `crash-${afterCalls}`)
      await expect
        .poll(() => fixture.issueCalls().length, { timeout: 60_000, interval: 20 })
        .toBeGreaterThanOrEqual(afterCalls)
      relay.kill('SIGKILL')
      expect(await relay.exited).toBeNull()
    }
    const last = spawnCli(['run', '--config', config], env, 'crash-final')
    const out = await fixture.readOutputs((e) => e.onchain.length >= total, 120_000)

    expect(out.issued).toHaveLength(total)
    expect(out.onchain).toHaveLength(total)
    expect(out.failed).toHaveLength(0)
    expect(new Set(out.records.map((r) => JSON.parse(r.value).id as string)).size).toBe(
      out.records.length,
    )
    const calls = fixture.issueCalls()
    const revokes = new Map<string, number>()
    for (const call of calls.filter((c) => c.onDuplicate === 'revoke' && c.applied)) {
      revokes.set(call.idempotencyKey!, (revokes.get(call.idempotencyKey!) ?? 0) + 1)
    }
    expect(Math.max(...revokes.values())).toBe(1)
    // Every key was issued by exactly one call: its revoke, or — when a kill came between the
    // intent and the call — the recovery's "ignore", which finds nothing and issues.
    const issuingCalls = calls.filter((c) => c.applied)
    expect(issuingCalls).toHaveLength(total)
    expect(new Set(issuingCalls.map((c) => c.idempotencyKey)).size).toBe(total)
    // Recoveries happened (intents found after a crash) and found what was already issued.
    const ignores = calls.filter((c) => c.onDuplicate === 'ignore')
    expect(ignores.every((c) => c.httpStatus === 200)).toBe(true)
    expect(fixture.sandbox.sandbox.stats().credentials.issued).toBe(total)

    last.kill('SIGTERM')
    expect(await last.exited).toBe(0)
  }, 150_000)

  it('after kill -9, the recovery call waits until the call the crash cut off can have landed', async () => {
    // The killed relay's "revoke" call is still being worked on at MocaChain (15 s: longer than
    // the restart takes, the wait for the dead member's session included). A recovery
    // that asked with "ignore" at once would find nothing, issue, and then see its credential
    // revoked when the first call lands: two issuances, and the relay publishing a revoked one.
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { issue: { latency: { fixedMs: 15_000 } } } },
    })
    const stats = () => fixture.sandbox.sandbox.stats()
    await fixture.produce(fixture.topics.kyc, [
      { key: 'slow', value: JSON.stringify({ user: { email: 'slow@example.com' }, level: 1 }) },
    ])
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, {
        log: { level: 'info' },
        moca: { requestTimeout: 20_000, uncertaintyWindow: 20_000 },
      }),
    )
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const first = spawnCli(['run', '--config', config], env, 'crash-slow-call')
    await expect.poll(() => stats().issue.inFlight, { timeout: 60_000 }).toBe(1)
    // Slow for this one call only: the recovery is answered at once.
    fixture.sandbox.sandbox.setFaults({ issue: {} })
    first.kill('SIGKILL')
    expect(await first.exited).toBeNull()

    const second = spawnCli(['run', '--config', config], env, 'crash-slow-call-restart')
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1, 90_000)
    await expect.poll(() => stats().issue.inFlight, { timeout: 20_000 }).toBe(0)

    const applied = fixture.issueCalls().filter((c) => c.applied)
    expect(applied).toHaveLength(1)
    expect(applied[0]!.onDuplicate).toBe('revoke')
    expect(out.issued).toHaveLength(1)
    expect(out.issued[0]!.onDuplicate).toBe('ignore')
    expect(out.issued[0]!.coreClaimHash).toBe(applied[0]!.coreClaimHash)
    expect(stats().credentials).toEqual({ issued: 1, revoked: 0 })
    second.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  }, 150_000)
})
