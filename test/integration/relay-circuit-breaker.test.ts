import { describe, expect, it } from 'vitest'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

interface Readiness {
  ready: boolean
  reasons: string[]
}

describe('invariant 6: systemic errors pause, they do not dead-letter', () => {
  it('opens the route circuit on a 401 storm, says why on /readyz, and drains the backlog once MocaChain accepts again', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    // MocaChain cannot fetch the partner JWKS: every call is a 401.
    fixture.sandbox.jwks.failWith(503)
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(30))
    const relay = await fixture.startRelay()
    const readyz = async (): Promise<{ status: number; body: Readiness }> => {
      const response = await fetch(`${relay.ops!.url}/readyz`)
      return { status: response.status, body: (await response.json()) as Readiness }
    }

    await expect
      .poll(async () => (await readyz()).body.reasons.join('\n'), { timeout: 20_000 })
      .toMatch(/circuit open for route kyc: MOCA_UNAUTHORIZED/)
    expect((await readyz()).status).toBe(503)
    // Probes keep asking MocaChain, at a slow pace, and nothing becomes a credential.failed.
    await expect.poll(() => fixture.issueCalls().length, { timeout: 10_000 }).toBeGreaterThan(2)
    expect(fixture.issueCalls().every((c) => c.httpStatus === 401)).toBe(true)
    const metrics = await (await fetch(`${relay.ops!.url}/metrics`)).text()
    expect(metrics).toMatch(/moca_relay_circuit_open\{route="kyc"\} 1/)

    // The operator fixes the JWKS; the relay resumes by itself.
    fixture.sandbox.jwks.failWith(null)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 30)
    expect(out.issued).toHaveLength(30)
    expect(out.failed).toHaveLength(0)
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000 }).toBe(200)
  })

  it('pauses the confirm stage too: a 401 on status polls opens the circuit, nothing fails, and it resumes', async () => {
    const fixture = await startRelayFixture({
      partitions: 1,
      // Credentials wait for the chain until the test says so: the status polls keep coming.
      sandbox: { settings: { stuck: true } },
    })
    const sandbox = fixture.sandbox.sandbox
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(5))
    const relay = await fixture.startRelay()
    await fixture.readOutputs((e) => e.issued.length >= 5)
    // The partner's scope is no longer accepted: every status poll is a 401, a systemic error.
    const scope = sandbox.settings().scope
    sandbox.updateSettings({ scope: 'issue something-else' })
    await expect
      .poll(() => relay.relay.readiness().reasons.join('\n'), { timeout: 20_000 })
      .toMatch(/circuit open for route kyc: MOCA_UNAUTHORIZED/)
    const metrics = await (await fetch(`${relay.ops!.url}/metrics`)).text()
    expect(metrics).toMatch(/moca_relay_circuit_open\{route="kyc"\} 1/)

    sandbox.updateSettings({ scope, stuck: false })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 5)
    expect(out.failed).toHaveLength(0)
    await expect.poll(() => relay.relay.readiness().ready, { timeout: 10_000 }).toBe(true)
  })

  it("treats a JWKS without the relay's key (wrong partner key) the same way", async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    const published = createJwksDocument([fixture.sandbox.key.publicJwk])
    fixture.sandbox.jwks.serve({ keys: [] })
    await fixture.produce(fixture.topics.kyc, [
      { key: 'a', value: JSON.stringify({ user: { email: 'a@example.com' }, level: 1 }) },
    ])
    const relay = await fixture.startRelay()
    await expect
      .poll(() => relay.relay.readiness().reasons.join(' '), { timeout: 20_000 })
      .toMatch(/MOCA_UNAUTHORIZED/)
    fixture.sandbox.jwks.serve(published)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 1)
    expect(out.failed).toHaveLength(0)
  })
})
